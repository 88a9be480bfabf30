package io.gatehouse.core.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.FeedbackJson;
import io.gatehouse.core.feedback.FeedbackRecord;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.feedback.FeedbackStatus;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.RecordingSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every transition of the C2D state machine (docs/messaging.md#the-lifecycle) and the feedback each outcome produces (docs/messaging.md#delivery-feedback). */
class CloudToDeviceLifecycleTest {

    private static final DeviceId D1 = DeviceId.of("d1");

    private ManualCore hub;
    private CloudToDevice c2d;
    private Device device;

    @BeforeEach
    void setUp() {
        hub = new ManualCore(HubSettings.defaults()
                .with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S")
                .with(HubSettings.C2D_MAX_DELIVERY_COUNT.property(), "3"));
        c2d = hub.core.c2d();
        device = hub.createDevice("d1");
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private String send(String id, AckMode ack) {
        return hub.await(c2d.send(D1, request(id, ack, null)));
    }

    private static C2dRequest request(String id, AckMode ack, Instant expiry) {
        return new C2dRequest(MessageProperties.builder().messageId(id).put("k", "v").build(), ack, expiry,
                id.getBytes(StandardCharsets.UTF_8));
    }

    private Receiver receiver(RecordingSink sink, int credit) {
        Receiver r = c2d.openReceiver(D1, sink);
        r.addCredit(credit);
        hub.run();
        return r;
    }

    private List<FeedbackRecord> feedback() {
        RecordingSink sink = new RecordingSink();
        Receiver r = hub.core.feedback().openReceiver(sink);
        r.addCredit(100);
        hub.run();
        List<FeedbackRecord> records = new ArrayList<>();
        for (Delivery d : sink.drain()) {
            assertThat(d.message().properties().contentType()).isEqualTo("application/vnd.microsoft.iothub.feedback.json");
            assertThat(d.message().properties().userId()).isEqualTo("gatehouse");
            records.addAll(FeedbackJson.decode(d.message().body()));
            hub.await(r.complete(d.lockToken()));
        }
        r.close();
        hub.run();
        return records;
    }

    private GatewayException failure(CompletableFuture<?> f) {
        hub.run();
        assertThat(f).isDone();
        try {
            f.join();
        } catch (CompletionException e) {
            return GatewayException.unwrap(e);
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void receiveLocksWithTokenAndCountAndCompleteRemoves() {
        send("m1", AckMode.POSITIVE);
        RecordingSink sink = new RecordingSink();
        Receiver r = receiver(sink, 1);

        Delivery d = sink.poll();
        assertThat(d.deliveryCount()).isEqualTo(1);
        assertThat(d.message().messageId()).isEqualTo("m1");
        assertThat(d.message().properties().to()).isEqualTo("/devices/d1/messages/devicebound");
        assertThat(d.message().properties().application()).containsEntry("k", "v");
        assertThat(hub.await(c2d.stats(D1))).isEqualTo(new QueueStats(0, 1, 1));

        hub.await(r.complete(d.lockToken()));
        assertThat(hub.await(c2d.stats(D1)).depth()).isZero();
        List<FeedbackRecord> records = feedback();
        assertThat(records).singleElement().satisfies(rec -> {
            assertThat(rec.originalMessageId()).isEqualTo("m1");
            assertThat(rec.status()).isEqualTo(FeedbackStatus.SUCCESS);
            assertThat(rec.deviceId()).isEqualTo("d1");
            assertThat(rec.deviceGenerationId()).isEqualTo(device.generationId());
        });
    }

    @Test
    void abandonRequeuesAtTheFrontAndCountsTheNextDelivery() {
        send("m1", AckMode.NONE);
        send("m2", AckMode.NONE);
        RecordingSink sink = new RecordingSink();
        Receiver r = receiver(sink, 1);
        Delivery first = sink.poll();
        assertThat(first.message().messageId()).isEqualTo("m1");

        hub.await(r.abandon(first.lockToken()));
        r.addCredit(1);
        hub.run();
        Delivery again = sink.poll();
        assertThat(again.message().messageId()).isEqualTo("m1");
        assertThat(again.deliveryCount()).isEqualTo(2);
        assertThat(again.lockToken()).isNotEqualTo(first.lockToken());
    }

    @Test
    void rejectDeadLettersWithNegativeFeedback() {
        send("m1", AckMode.FULL);
        RecordingSink sink = new RecordingSink();
        Receiver r = receiver(sink, 1);
        hub.await(r.reject(sink.poll().lockToken()));

        assertThat(hub.await(c2d.stats(D1)).depth()).isZero();
        assertThat(feedback()).extracting(FeedbackRecord::status).containsExactly(FeedbackStatus.REJECTED);
        assertThat(c2d.counters().snapshot().ended(Outcome.REJECTED)).isEqualTo(1);
    }

    @Test
    void lockTimeoutReturnsTheMessageAndTellsTheReceiver() {
        send("m1", AckMode.NONE);
        RecordingSink sink = new RecordingSink();
        Receiver r = receiver(sink, 1);
        Delivery d = sink.poll();

        hub.advance(Duration.ofSeconds(59));
        assertThat(sink.pollLost()).isNull();
        hub.advance(Duration.ofSeconds(1));
        assertThat(sink.pollLost()).isEqualTo(d.lockToken());
        assertThat(hub.await(c2d.stats(D1))).isEqualTo(new QueueStats(1, 0, 1));

        GatewayException e = failure(r.complete(d.lockToken()));
        assertThat(e.code()).isEqualTo(ErrorCode.LOCK_LOST);
        assertThat(hub.await(c2d.stats(D1))).isEqualTo(new QueueStats(1, 0, 1));
    }

    @Test
    void staleTokenChangesNothing() {
        send("m1", AckMode.NONE);
        RecordingSink sink = new RecordingSink();
        Receiver r = receiver(sink, 1);
        Delivery d = sink.poll();
        hub.await(r.complete(d.lockToken()));

        assertThat(failure(r.complete(d.lockToken())).code()).isEqualTo(ErrorCode.LOCK_LOST);
        assertThat(failure(r.abandon(d.lockToken())).code()).isEqualTo(ErrorCode.LOCK_LOST);
        assertThat(failure(r.reject(d.lockToken())).code()).isEqualTo(ErrorCode.LOCK_LOST);
        assertThat(c2d.counters().snapshot().ended(Outcome.COMPLETED)).isEqualTo(1);
        assertThat(c2d.counters().snapshot().ended(Outcome.REJECTED)).isZero();
    }

    @Test
    void anotherReceiversLockCannotBeSettled() {
        send("m1", AckMode.NONE);
        RecordingSink sink = new RecordingSink();
        receiver(sink, 1);
        Receiver other = receiver(new RecordingSink(), 0);
        Delivery d = sink.poll();

        assertThat(failure(other.complete(d.lockToken())).code()).isEqualTo(ErrorCode.LOCK_LOST);
        assertThat(hub.await(c2d.stats(D1)).locked()).isEqualTo(1);
    }

    @Test
    void maxDeliveryCountDeadLetters() {
        send("m1", AckMode.NEGATIVE);
        RecordingSink sink = new RecordingSink();
        Receiver r = receiver(sink, 0);
        for (int attempt = 1; attempt <= 3; attempt++) {
            r.addCredit(1);
            hub.run();
            Delivery d = sink.poll();
            assertThat(d.deliveryCount()).isEqualTo(attempt);
            hub.await(r.abandon(d.lockToken()));
        }
        assertThat(hub.await(c2d.stats(D1)).depth()).isZero();
        assertThat(feedback()).extracting(FeedbackRecord::status).containsExactly(FeedbackStatus.DELIVERY_COUNT_EXCEEDED);
    }

    @Test
    void expiryDeadLettersEnqueuedAndLockedMessages() {
        hub.await(c2d.send(D1, request("waiting", AckMode.NEGATIVE, hub.clock.now().plusSeconds(30))));
        hub.await(c2d.send(D1, request("locked", AckMode.FULL, hub.clock.now().plusSeconds(20))));
        RecordingSink sink = new RecordingSink();
        Receiver r = receiver(sink, 0);
        r.addCredit(1);
        hub.run();
        Delivery d = sink.poll();
        assertThat(d.message().messageId()).isEqualTo("waiting");

        hub.advance(Duration.ofSeconds(30));
        assertThat(sink.pollLost()).isEqualTo(d.lockToken());
        assertThat(hub.await(c2d.stats(D1)).depth()).isZero();
        assertThat(feedback()).extracting(FeedbackRecord::originalMessageId, FeedbackRecord::status)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("waiting", FeedbackStatus.EXPIRED),
                        org.assertj.core.groups.Tuple.tuple("locked", FeedbackStatus.EXPIRED));
    }

    @Test
    void defaultTtlAndTheTwoDayClamp() {
        hub.await(c2d.send(D1, request("far", AckMode.NONE, hub.clock.now().plus(Duration.ofDays(30)))));
        send("default", AckMode.NONE);
        RecordingSink sink = new RecordingSink();
        receiver(sink, 2);
        List<Delivery> ds = sink.drain();
        Instant now = hub.clock.now();
        assertThat(ds.get(0).message().expiryTime()).isEqualTo(now.plus(Duration.ofDays(2)));
        assertThat(ds.get(1).message().expiryTime()).isEqualTo(now.plus(Duration.ofHours(1)));
    }

    @Test
    void queueFullAtFiftyAndNothingLost() {
        for (int i = 0; i < 50; i++) {
            send("m" + i, AckMode.NONE);
        }
        GatewayException e = failure(c2d.send(D1, request("m50", AckMode.NONE, null)));
        assertThat(e.code()).isEqualTo(ErrorCode.QUEUE_FULL);
        RecordingSink sink = new RecordingSink();
        receiver(sink, 100);
        assertThat(sink.drain()).extracting(d -> d.message().messageId()).hasSize(50).startsWith("m0", "m1").endsWith("m49");
    }

    @Test
    void unknownDeviceAndOversizeAreRefused() {
        CompletableFuture<String> unknown = c2d.send(DeviceId.of("nobody"), request("x", AckMode.NONE, null));
        hub.run();
        assertThat(failure(unknown).code()).isEqualTo(ErrorCode.DEVICE_NOT_FOUND);
        C2dRequest big = new C2dRequest(MessageProperties.EMPTY, AckMode.NONE, null, new byte[64 * 1024 + 1]);
        assertThat(failure(c2d.send(D1, big)).code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
    }

    @Test
    void generatedMessageIdWhenNoneGiven() {
        String id = hub.await(c2d.send(D1, new C2dRequest(MessageProperties.EMPTY, AckMode.NONE, null, new byte[1])));
        assertThat(id).isNotBlank();
    }

    @Test
    void purgeRemovesAllWithPurgedFeedbackAndTellsLockHolders() {
        send("a", AckMode.FULL);
        send("b", AckMode.NONE);
        send("c", AckMode.NEGATIVE);
        RecordingSink sink = new RecordingSink();
        receiver(sink, 1);
        Delivery locked = sink.poll();

        assertThat(hub.await(c2d.purge(D1))).isEqualTo(3);
        assertThat(sink.pollLost()).isEqualTo(locked.lockToken());
        assertThat(hub.await(c2d.stats(D1)).depth()).isZero();
        assertThat(feedback()).extracting(FeedbackRecord::originalMessageId)
                .containsExactlyInAnyOrder("a", "c")
                .hasSize(2);
    }

    @Test
    void receiverCloseAbandonsItsLocksAtOnce() {
        send("m1", AckMode.NONE);
        RecordingSink sink = new RecordingSink();
        Receiver r = receiver(sink, 1);
        sink.poll();
        r.close();
        hub.run();
        RecordingSink next = new RecordingSink();
        receiver(next, 1);
        assertThat(next.poll().deliveryCount()).isEqualTo(2);
    }

    @Test
    void twoReceiversShareTheQueue() {
        send("m1", AckMode.NONE);
        send("m2", AckMode.NONE);
        RecordingSink a = new RecordingSink();
        RecordingSink b = new RecordingSink();
        receiver(a, 1);
        receiver(b, 1);
        assertThat(a.drain()).extracting(d -> d.message().messageId()).containsExactly("m1");
        assertThat(b.drain()).extracting(d -> d.message().messageId()).containsExactly("m2");
    }

    @Test
    void deletingTheDeviceDestroysItsQueue() {
        send("m1", AckMode.FULL);
        hub.await(hub.core.registry().delete(D1, "*"));
        hub.run();
        assertThat(c2d.depth(D1)).isZero();
        assertThat(feedback()).extracting(FeedbackRecord::status).containsExactly(FeedbackStatus.PURGED);
    }

    @Test
    void feedbackIsBatched() {
        for (int i = 0; i < 5; i++) {
            send("m" + i, AckMode.POSITIVE);
        }
        RecordingSink sink = new RecordingSink();
        Receiver r = receiver(sink, 5);
        // complete all five within one shard turn: one batch window collects them
        sink.drain().forEach(d -> r.complete(d.lockToken()));
        hub.run();
        RecordingSink fb = new RecordingSink();
        hub.core.feedback().openReceiver(fb).addCredit(10);
        hub.run();
        List<Delivery> messages = fb.drain();
        assertThat(messages).hasSizeLessThan(5);
        assertThat(messages.stream().mapToInt(d -> FeedbackJson.decode(d.message().body()).size()).sum()).isEqualTo(5);
    }

    @Test
    void feedbackMessagesHaveTheirOwnLifecycle() {
        send("m1", AckMode.POSITIVE);
        RecordingSink sink = new RecordingSink();
        Receiver r = receiver(sink, 1);
        hub.await(r.complete(sink.poll().lockToken()));

        RecordingSink fb = new RecordingSink();
        Receiver service = hub.core.feedback().openReceiver(fb);
        service.addCredit(1);
        hub.run();
        Delivery first = fb.poll();
        hub.await(service.abandon(first.lockToken()));
        service.addCredit(1);
        hub.run();
        Delivery second = fb.poll();
        assertThat(second.message().messageId()).isEqualTo(first.message().messageId());
        assertThat(second.deliveryCount()).isEqualTo(2);

        // feedback lock (1 minute by default) expires like a C2D lock
        hub.advance(Duration.ofMinutes(1));
        assertThat(fb.pollLost()).isEqualTo(second.lockToken());
        // and the feedback TTL (1 hour) ends it for good
        service.close();
        hub.advance(Duration.ofHours(1));
        assertThat(hub.core.feedback().depth()).isZero();
        assertThatThrownBy(() -> hub.await(service.complete(second.lockToken()))).hasCauseInstanceOf(GatewayException.class);
    }

    @Test
    void creditSaturatesInsteadOfOverflowing() {
        RecordingSink sink = new RecordingSink();
        Receiver r = receiver(sink, Integer.MAX_VALUE);
        r.addCredit(Integer.MAX_VALUE);
        r.addCredit(1);
        hub.run();
        send("m1", AckMode.NONE);
        send("m2", AckMode.NONE);
        assertThat(sink.drain()).extracting(d -> d.message().messageId()).containsExactly("m1", "m2");
        assertThatThrownBy(() -> r.addCredit(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.setCredit(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
