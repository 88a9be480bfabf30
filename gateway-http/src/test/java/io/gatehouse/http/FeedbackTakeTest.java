package io.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.QueueMessage;
import io.gatehouse.core.queue.Receiver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A REST feedback take completes the message it answers with, and never one that arrives after its wait was over. */
class FeedbackTakeTest {

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final CompletingReceiver receiver = new CompletingReceiver();

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    @Test
    void aMessageArrivingWhileThePollWaitsIsCompletedAndAnswered() throws Exception {
        LongPoll poll = LongPoll.waiting(timers, Duration.ofMinutes(1), RestResponse::noContent);
        ServiceRoutes.FeedbackTake take = new ServiceRoutes.FeedbackTake(poll);
        take.receiver = receiver;
        Delivery delivery = feedbackMessage("feedback-1");

        take.deliver(delivery);

        assertThat(poll.response().get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(receiver.completed).containsExactly(delivery.lockToken());
    }

    @Test
    void aMessageArrivingAfterTheWaitWasOverIsLeftToGoBackToTheQueue() throws Exception {
        LongPoll poll = LongPoll.waiting(timers, Duration.ZERO, RestResponse::noContent);
        assertThat(poll.response().get(5, TimeUnit.SECONDS).status()).isEqualTo(204);
        ServiceRoutes.FeedbackTake take = new ServiceRoutes.FeedbackTake(poll);
        take.receiver = receiver;

        take.deliver(feedbackMessage("feedback-2")); // the receiver was closing when the queue handed it over

        assertThat(receiver.completed).isEmpty();
    }

    private static Delivery feedbackMessage(String id) {
        Instant now = Instant.now();
        QueueMessage message = new QueueMessage(MessageProperties.builder().messageId(id).build(), AckMode.NONE, now,
                now.plusSeconds(60), "[]".getBytes(StandardCharsets.UTF_8));
        return new Delivery(LockToken.next(), 1, message);
    }

    /** Settles at once and remembers what it completed. */
    private static final class CompletingReceiver implements Receiver {
        final List<LockToken> completed = new CopyOnWriteArrayList<>();

        @Override
        public void addCredit(int credit) {
        }

        @Override
        public void setCredit(int credit) {
        }

        @Override
        public CompletableFuture<Boolean> pollOne() {
            return CompletableFuture.completedFuture(false);
        }

        @Override
        public CompletableFuture<Void> complete(LockToken token) {
            completed.add(token);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> abandon(LockToken token) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> reject(LockToken token) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }
}
