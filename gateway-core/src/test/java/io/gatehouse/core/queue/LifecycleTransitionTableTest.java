package io.gatehouse.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.FeedbackJson;
import io.gatehouse.core.feedback.FeedbackRecord;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.feedback.FeedbackStatus;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.RecordingSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The C2D state machine (docs/messaging.md#the-lifecycle) as a table: every event in every state, with the state it leads to, whether
 * the operation is refused with "lock lost", whether the lock holder is told its lock is gone, and the feedback
 * the message's end produces (it asks for {@code full} feedback). maxDeliveryCount is 2.
 */
class LifecycleTransitionTableTest {

    enum State { ENQUEUED, LOCKED, LOCKED_AT_LIMIT, COMPLETED, REJECTED, EXPIRED, DELIVERY_COUNT_EXCEEDED, PURGED }

    enum Event { RECEIVE, COMPLETE, ABANDON, REJECT, LOCK_TIMEOUT, EXPIRE, PURGE, RECEIVER_CLOSE }

    /**
     * Result cells: the next state; {@code !} = the operation fails with LOCK_LOST and changes nothing;
     * {@code ~} = the receiver is told its lock was lost. A terminal state stays as it is: no new feedback.
     */
    private static final String[] TABLE = {
            // state                  RECEIVE          COMPLETE    ABANDON                    REJECT      LOCK_TIMEOUT               EXPIRE      PURGE      RECEIVER_CLOSE
            "ENQUEUED                 LOCKED           ENQUEUED!   ENQUEUED!                  ENQUEUED!   ENQUEUED                   EXPIRED     PURGED     ENQUEUED",
            "LOCKED                   LOCKED           COMPLETED   ENQUEUED                   REJECTED    ENQUEUED~                  EXPIRED~    PURGED~    ENQUEUED",
            "LOCKED_AT_LIMIT          LOCKED_AT_LIMIT  COMPLETED   DELIVERY_COUNT_EXCEEDED    REJECTED    DELIVERY_COUNT_EXCEEDED~   EXPIRED~    PURGED~    DELIVERY_COUNT_EXCEEDED",
            "COMPLETED                COMPLETED        COMPLETED!  COMPLETED!                 COMPLETED!  COMPLETED                  COMPLETED   COMPLETED  COMPLETED",
            "REJECTED                 REJECTED         REJECTED!   REJECTED!                  REJECTED!   REJECTED                   REJECTED    REJECTED   REJECTED",
            "EXPIRED                  EXPIRED          EXPIRED!    EXPIRED!                   EXPIRED!    EXPIRED                    EXPIRED     EXPIRED    EXPIRED",
            "DELIVERY_COUNT_EXCEEDED  DELIVERY_COUNT_EXCEEDED DELIVERY_COUNT_EXCEEDED! DELIVERY_COUNT_EXCEEDED! DELIVERY_COUNT_EXCEEDED! DELIVERY_COUNT_EXCEEDED DELIVERY_COUNT_EXCEEDED DELIVERY_COUNT_EXCEEDED DELIVERY_COUNT_EXCEEDED",
            "PURGED                   PURGED           PURGED!     PURGED!                    PURGED!     PURGED                     PURGED      PURGED     PURGED",
    };

    record Expected(State next, boolean refused, boolean lockLostTold) {
        static Expected parse(String cell) {
            boolean refused = cell.endsWith("!");
            boolean told = cell.endsWith("~");
            String name = refused || told ? cell.substring(0, cell.length() - 1) : cell;
            return new Expected(State.valueOf(name), refused, told);
        }
    }

    static Stream<Arguments> pairs() {
        List<Arguments> all = new ArrayList<>();
        for (String row : TABLE) {
            String[] cells = row.trim().split("\\s+");
            assertThat(cells).hasSize(1 + Event.values().length);
            for (Event event : Event.values()) {
                all.add(Arguments.of(State.valueOf(cells[0]), event, Expected.parse(cells[1 + event.ordinal()])));
            }
        }
        return all.stream();
    }

    @Test
    void theTableHasEveryPairOnce() {
        assertThat(pairs()).hasSize(State.values().length * Event.values().length);
        assertThat(Arrays.stream(TABLE).map(r -> r.trim().split("\\s+")[0])).containsExactlyElementsOf(
                Arrays.stream(State.values()).map(Enum::name).toList());
    }

    private static final DeviceId D1 = DeviceId.of("d1");
    private static final Duration LOCK = Duration.ofMinutes(1);

    private final ManualCore hub = new ManualCore(HubSettings.defaults()
            .with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S")
            .with(HubSettings.C2D_MAX_DELIVERY_COUNT.property(), "2"));
    private final CloudToDevice c2d = hub.core.c2d();
    private final RecordingSink sink = new RecordingSink();
    private Receiver receiver;
    private LockToken token;
    private int deliveries;
    private Duration ttl;

    @AfterEach
    void tearDown() {
        hub.close();
    }

    @ParameterizedTest(name = "{0} + {1} -> {2}")
    @MethodSource("pairs")
    void transition(State from, Event event, Expected expected) {
        hub.createDevice("d1");
        // an expiry that falls while the message is locked comes before the lock timeout
        ttl = event == Event.EXPIRE ? LOCK.dividedBy(2) : LOCK.multipliedBy(10);
        bringTo(from);
        List<FeedbackRecord> gettingThere = drainFeedback();
        if (isTerminal(from)) {
            assertThat(gettingThere).singleElement().extracting(FeedbackRecord::status).isEqualTo(statusOf(from));
        } else {
            assertThat(gettingThere).isEmpty();
        }

        CompletableFuture<?> operation = apply(event);
        hub.run();

        if (operation != null) {
            assertThat(operation).isDone();
            if (expected.refused()) {
                assertThat(lockLostCode(operation)).isEqualTo(ErrorCode.LOCK_LOST);
            } else {
                assertThat(operation).isCompleted();
            }
        }
        List<LockToken> told = sink.drainLost();
        if (expected.lockLostTold()) {
            assertThat(told).containsExactly(token);
        } else {
            assertThat(told).isEmpty();
        }
        if (expected.next() == State.LOCKED && from == State.ENQUEUED) {
            Delivery d = sink.poll();
            assertThat(d.deliveryCount()).isEqualTo(1);
            assertThat(d.message().messageId()).isEqualTo("m");
        }
        List<FeedbackRecord> feedback = drainFeedback();
        assertIn(expected.next(), feedback);
        // a message ends once: feedback exactly when a live message reaches a terminal state
        assertThat(feedback).hasSize(isTerminal(expected.next()) && !isTerminal(from) ? 1 : 0);
    }

    // ------------------------------------------------------------ getting there

    private void bringTo(State state) {
        hub.await(c2d.send(D1, new C2dRequest(MessageProperties.builder().messageId("m").build(), AckMode.FULL,
                hub.clock.now().plus(ttl), new byte[] {1})));
        receiver = c2d.openReceiver(D1, sink);
        hub.run();
        switch (state) {
            case ENQUEUED, PURGED -> {
                if (state == State.PURGED) {
                    assertThat(hub.await(c2d.purge(D1))).isEqualTo(1);
                }
            }
            case LOCKED, COMPLETED, REJECTED -> {
                receive();
                if (state == State.COMPLETED) {
                    hub.await(receiver.complete(token));
                } else if (state == State.REJECTED) {
                    hub.await(receiver.reject(token));
                }
            }
            case LOCKED_AT_LIMIT, DELIVERY_COUNT_EXCEEDED -> {
                receive();
                hub.await(receiver.abandon(token));
                receive();
                assertThat(deliveries).isEqualTo(2);
                if (state == State.DELIVERY_COUNT_EXCEEDED) {
                    hub.await(receiver.abandon(token));
                }
            }
            case EXPIRED -> hub.advance(ttl);
        }
        assertIn(state, List.of());
    }

    private void receive() {
        receiver.addCredit(1);
        hub.run();
        Delivery d = sink.poll();
        assertThat(d).as("a delivery").isNotNull();
        deliveries++;
        assertThat(d.deliveryCount()).isEqualTo(deliveries);
        token = d.lockToken();
    }

    private CompletableFuture<?> apply(Event event) {
        LockToken settle = token != null ? token : LockToken.next();
        return switch (event) {
            case RECEIVE -> {
                receiver.addCredit(1);
                yield null;
            }
            case COMPLETE -> receiver.complete(settle);
            case ABANDON -> receiver.abandon(settle);
            case REJECT -> receiver.reject(settle);
            case LOCK_TIMEOUT -> {
                hub.advance(LOCK);
                yield null;
            }
            case EXPIRE -> {
                hub.advance(ttl);
                yield null;
            }
            case PURGE -> c2d.purge(D1);
            case RECEIVER_CLOSE -> {
                receiver.close();
                yield null;
            }
        };
    }

    // ------------------------------------------------------------ observing

    private static boolean isTerminal(State s) {
        return s.ordinal() >= State.COMPLETED.ordinal();
    }

    /** Asserts the message is in {@code state}; {@code feedback} is what was produced by getting there. */
    private void assertIn(State state, List<FeedbackRecord> feedback) {
        QueueStats stats = hub.await(c2d.stats(D1));
        assertThat(sink.drain()).as("new deliveries").isEmpty();
        switch (state) {
            case ENQUEUED -> {
                assertThat(stats).isEqualTo(new QueueStats(1, 0, stats.receivers()));
                assertThat(feedback).isEmpty();
            }
            case LOCKED, LOCKED_AT_LIMIT -> {
                assertThat(stats).isEqualTo(new QueueStats(0, 1, 1));
                assertThat(feedback).isEmpty();
            }
            default -> {
                assertThat(stats.depth()).isZero();
                if (!feedback.isEmpty()) {
                    assertThat(feedback).singleElement().extracting(FeedbackRecord::status).isEqualTo(statusOf(state));
                }
            }
        }
    }

    private static FeedbackStatus statusOf(State terminal) {
        return switch (terminal) {
            case COMPLETED -> FeedbackStatus.SUCCESS;
            case REJECTED -> FeedbackStatus.REJECTED;
            case EXPIRED -> FeedbackStatus.EXPIRED;
            case DELIVERY_COUNT_EXCEEDED -> FeedbackStatus.DELIVERY_COUNT_EXCEEDED;
            case PURGED -> FeedbackStatus.PURGED;
            default -> throw new IllegalArgumentException(terminal + " is not terminal");
        };
    }

    private List<FeedbackRecord> drainFeedback() {
        RecordingSink fb = new RecordingSink();
        Receiver r = hub.core.feedback().openReceiver(fb);
        r.addCredit(100);
        hub.run();
        List<FeedbackRecord> records = new ArrayList<>();
        for (Delivery d : fb.drain()) {
            records.addAll(FeedbackJson.decode(d.message().body()));
            hub.await(r.complete(d.lockToken()));
        }
        r.close();
        hub.run();
        return records;
    }

    private static ErrorCode lockLostCode(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (CompletionException e) {
            GatewayException g = GatewayException.unwrap(e);
            return g == null ? null : g.code();
        }
    }
}
