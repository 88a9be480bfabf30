package io.gatehouse.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.feedback.FeedbackJson;
import io.gatehouse.core.feedback.FeedbackRecord;
import io.gatehouse.core.feedback.FeedbackStatus;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.ManualStore;
import io.gatehouse.core.testing.RecordingSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Queued messages whose content is on disk only (docs/architecture.md#memory-per-queued-message): a message sent
 * to a device with no receiver keeps only its lifecycle fields in memory, and its content is read back from the
 * store when it is about to be delivered. Deliveries carry the exact content, keep their order, and the lifecycle
 * is the same as for messages in memory.
 */
class ContentOnDiskTest {

    private static final DeviceId D1 = DeviceId.of("d1");

    private final ManualStore store = new ManualStore(HubSettings.defaults().eventPartitions());
    private ManualCore hub;
    private CloudToDevice c2d;

    @BeforeEach
    void setUp() {
        hub = new ManualCore(HubSettings.defaults()
                .with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S")
                .with(HubSettings.C2D_MAX_DELIVERY_COUNT.property(), "2"), store);
        c2d = hub.core.c2d();
        hub.createDevice("d1");
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    @Test
    void aMessageForAnOfflineDeviceIsDeliveredFromTheStoreWithItsExactContent() {
        MessageProperties properties = MessageProperties.builder().messageId("m1").correlationId("c1").userId("svc")
                .to("/devices/d1/messages/devicebound").contentType("application/json").contentEncoding("utf-8")
                .creationTimeUtc("2026-01-01T00:00:00Z").put("b", "2").put("a", "1").build();
        Instant expiry = hub.clock.now().plus(Duration.ofMinutes(5));
        byte[] body = "{\"temperature\":21}".getBytes(StandardCharsets.UTF_8);
        Instant sent = hub.clock.now();
        hub.await(c2d.send(D1, new C2dRequest(properties, AckMode.FULL, expiry, body)));
        assertThat(store.reads()).isEmpty();

        RecordingSink sink = new RecordingSink();
        c2d.openReceiver(D1, sink).addCredit(1);
        hub.run();

        assertThat(store.reads()).containsExactly(List.of(messageKey(0)));
        QueueMessage delivered = sink.poll().message();
        assertThat(delivered.properties()).isEqualTo(properties);
        assertThat(delivered.properties().application().keySet()).containsExactly("b", "a");
        assertThat(delivered.ack()).isEqualTo(AckMode.FULL);
        assertThat(delivered.enqueuedTime()).isEqualTo(sent);
        assertThat(delivered.expiryTime()).isEqualTo(expiry);
        assertThat(delivered.body()).isEqualTo(body);
    }

    @Test
    void messagesSentWhileAReceiverIsAttachedAreNeverReadBack() {
        RecordingSink sink = new RecordingSink();
        Receiver receiver = c2d.openReceiver(D1, sink);
        hub.run();
        send("m0");
        send("m1");
        receiver.addCredit(1);
        hub.run();
        send("m2");
        receiver.addCredit(2);
        hub.run();

        assertThat(ids(sink.drain())).containsExactly("m0", "m1", "m2");
        assertThat(store.reads()).isEmpty();
    }

    @Test
    void aDeliveredMessageLeavesMemoryAndIsReadBackOnlyToBeDeliveredAgain() {
        RecordingSink sink = new RecordingSink();
        Receiver receiver = c2d.openReceiver(D1, sink);
        hub.run();
        send("given-back");
        send("timed-out");
        receiver.addCredit(2);
        hub.run();
        List<Delivery> first = sink.drain();
        assertThat(ids(first)).containsExactly("given-back", "timed-out");
        assertThat(store.reads()).as("delivered from memory").isEmpty();

        hub.await(receiver.abandon(first.get(0).lockToken()));
        receiver.addCredit(1);
        hub.run();
        Delivery again = sink.poll();
        assertThat(again.message().body()).isEqualTo("given-back".getBytes(StandardCharsets.UTF_8));
        assertThat(store.reads()).containsExactly(List.of(messageKey(0)));

        hub.await(receiver.complete(again.lockToken()));
        hub.advance(hub.settings.c2dLockDuration().plusSeconds(1));
        assertThat(sink.drainLost()).containsExactly(first.get(1).lockToken());
        receiver.addCredit(1);
        hub.run();
        Delivery afterTimeout = sink.poll();
        assertThat(afterTimeout.message().messageId()).isEqualTo("timed-out");
        assertThat(afterTimeout.deliveryCount()).isEqualTo(2);
        assertThat(store.reads()).containsExactly(List.of(messageKey(0)), List.of(messageKey(1)));
    }

    @Test
    void theContentLeavesMemoryWhenTheLastReceiverDetaches() {
        RecordingSink first = new RecordingSink();
        Receiver receiver = c2d.openReceiver(D1, first);
        hub.run();
        send("m0");
        receiver.close();
        hub.run();

        RecordingSink second = new RecordingSink();
        c2d.openReceiver(D1, second).addCredit(1);
        hub.run();

        assertThat(ids(second.drain())).containsExactly("m0");
        assertThat(store.reads()).containsExactly(List.of(messageKey(0)));
    }

    @Test
    void aMessageDurableOnlyAfterTheLastReceiverLeftLeavesMemoryToo() {
        Receiver receiver = c2d.openReceiver(D1, new RecordingSink());
        hub.run();
        store.hold();
        var sent = c2d.send(D1, C2dRequest.of("m0", new byte[] {7}));
        hub.run();
        receiver.close();
        hub.run();
        store.release();
        assertThat(hub.await(sent)).isEqualTo("m0");

        RecordingSink sink = new RecordingSink();
        c2d.openReceiver(D1, sink).addCredit(1);
        hub.run();

        assertThat(ids(sink.drain())).containsExactly("m0");
        assertThat(store.reads()).containsExactly(List.of(messageKey(0)));
    }

    @Test
    void aMessageWhoseContentIsStillBeingReadHoldsBackThoseLockedAfterIt() {
        send("m0"); // offline: on disk only
        RecordingSink sink = new RecordingSink();
        Receiver receiver = c2d.openReceiver(D1, sink);
        hub.run();
        send("m1"); // a receiver is attached: stays in memory
        store.holdReads();

        receiver.addCredit(2);
        hub.run();
        assertThat(hub.await(c2d.stats(D1)).locked()).isEqualTo(2);
        assertThat(sink.drain()).as("m1 must not overtake m0").isEmpty();

        store.completeReads();
        hub.run();
        assertThat(ids(sink.drain())).containsExactly("m0", "m1");
    }

    @Test
    void contentIsReadAheadInBatchesNotOnePerDelivery() {
        for (int i = 0; i < 50; i++) {
            send("m" + i);
        }
        RecordingSink sink = new RecordingSink();
        Receiver receiver = c2d.openReceiver(D1, sink);
        receiver.addCredit(16);
        hub.run();
        assertThat(store.reads()).hasSize(1);
        assertThat(store.reads().get(0)).as("16 locked and the 32 after them").hasSize(48);

        List<String> delivered = new ArrayList<>();
        for (int round = 0; round < 50 && delivered.size() < 50; round++) {
            for (Delivery d : sink.drain()) {
                delivered.add(d.message().messageId());
                hub.await(receiver.complete(d.lockToken()));
                receiver.addCredit(1);
            }
            hub.run();
        }

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            expected.add("m" + i);
        }
        assertThat(delivered).isEqualTo(expected);
        assertThat(store.reads().stream().mapToInt(List::size).sum()).as("each message read once").isEqualTo(50);
        assertThat(store.reads()).as("reads of at least half the window, but for the last").hasSizeLessThanOrEqualTo(5);
    }

    @Test
    void theLifecycleOfMessagesNeverInMemoryIsUnchanged() {
        send("done", AckMode.FULL);
        send("given-back", AckMode.FULL);
        send("rejected", AckMode.FULL);
        RecordingSink sink = new RecordingSink();
        Receiver receiver = c2d.openReceiver(D1, sink);
        receiver.addCredit(3);
        hub.run();
        List<Delivery> first = sink.drain();
        assertThat(ids(first)).containsExactly("done", "given-back", "rejected");

        hub.await(receiver.complete(first.get(0).lockToken()));
        hub.await(receiver.abandon(first.get(1).lockToken()));
        hub.await(receiver.reject(first.get(2).lockToken()));
        receiver.addCredit(1);
        hub.run();
        Delivery again = sink.poll();
        assertThat(again.message().messageId()).isEqualTo("given-back");
        assertThat(again.deliveryCount()).isEqualTo(2);
        assertThat(again.message().body()).isEqualTo("given-back".getBytes(StandardCharsets.UTF_8));
        hub.await(receiver.abandon(again.lockToken())); // the second delivery was the last one allowed

        assertThat(feedback()).containsExactly(
                "done:" + FeedbackStatus.SUCCESS, "rejected:" + FeedbackStatus.REJECTED,
                "given-back:" + FeedbackStatus.DELIVERY_COUNT_EXCEEDED);
        assertThat(hub.await(c2d.stats(D1)).depth()).isZero();
    }

    @Test
    void lockTimeoutExpiryAndPurgeOfMessagesNeverInMemory() {
        send("timed-out", AckMode.FULL);
        hub.await(c2d.send(D1, new C2dRequest(MessageProperties.builder().messageId("expiring").build(), AckMode.FULL,
                hub.clock.now().plus(Duration.ofMinutes(2)), new byte[] {1})));
        send("purged", AckMode.FULL);
        RecordingSink sink = new RecordingSink();
        Receiver receiver = c2d.openReceiver(D1, sink);
        receiver.addCredit(1);
        hub.run();
        Delivery locked = sink.poll();
        assertThat(locked.message().messageId()).isEqualTo("timed-out");

        hub.advance(hub.settings.c2dLockDuration().plusSeconds(1));
        assertThat(sink.pollLost()).isEqualTo(locked.lockToken());
        hub.advance(Duration.ofMinutes(2));
        assertThat(hub.await(c2d.purge(D1))).isEqualTo(2);

        assertThat(feedback()).containsExactly("expiring:" + FeedbackStatus.EXPIRED,
                "timed-out:" + FeedbackStatus.PURGED, "purged:" + FeedbackStatus.PURGED);
    }

    @Test
    void aMessageThatExpiresWhileItsContentIsBeingReadIsNeverDelivered() {
        hub.await(c2d.send(D1, new C2dRequest(MessageProperties.builder().messageId("m0").build(), AckMode.FULL,
                hub.clock.now().plus(Duration.ofMinutes(1)), new byte[] {1})));
        store.holdReads();
        RecordingSink sink = new RecordingSink();
        c2d.openReceiver(D1, sink).addCredit(1);
        hub.run();
        assertThat(store.pendingReads()).isEqualTo(1);

        hub.advance(Duration.ofMinutes(1));
        store.completeReads();
        hub.run();

        assertThat(sink.drain()).isEmpty();
        assertThat(sink.drainLost()).as("never handed over: nothing to tell").isEmpty();
        assertThat(feedback()).containsExactly("m0:" + FeedbackStatus.EXPIRED);
    }

    @Test
    void aFailedReadTakesTheDeliveryBackUncountedAndTheNextEventRetries() {
        send("m0");
        store.holdReads();
        RecordingSink sink = new RecordingSink();
        Receiver receiver = c2d.openReceiver(D1, sink);
        receiver.addCredit(1);
        hub.run();

        store.failReads();
        hub.run();
        assertThat(sink.drain()).isEmpty();
        assertThat(hub.await(c2d.stats(D1))).isEqualTo(new QueueStats(1, 0, 1));

        receiver.addCredit(0); // any event pumps again
        hub.run();
        Delivery d = sink.poll();
        assertThat(d.message().messageId()).isEqualTo("m0");
        assertThat(d.deliveryCount()).as("the failed attempt did not count").isEqualTo(1);
    }

    @Test
    void aRestartedCoreReadsNoContentUntilADeviceReceives() {
        send("m0", AckMode.POSITIVE);
        send("m1", AckMode.NONE);
        ManualStore restarted = new ManualStore(store.durable());
        hub = hub.restart(restarted);
        c2d = hub.core.c2d();
        assertThat(restarted.reads()).isEmpty();
        assertThat(hub.await(c2d.stats(D1)).enqueued()).isEqualTo(2);

        RecordingSink sink = new RecordingSink();
        Receiver receiver = c2d.openReceiver(D1, sink);
        receiver.addCredit(2);
        hub.run();
        List<Delivery> deliveries = sink.drain();
        assertThat(ids(deliveries)).containsExactly("m0", "m1");
        assertThat(deliveries.get(1).message().body()).isEqualTo("m1".getBytes(StandardCharsets.UTF_8));
        assertThat(deliveries.get(1).message().properties().application()).containsEntry("k", "v");
        deliveries.forEach(d -> hub.await(receiver.complete(d.lockToken())));

        assertThat(feedbackOf(hub)).containsExactly("m0:" + FeedbackStatus.SUCCESS);
    }

    // ---------------------------------------------------------------- helpers

    private void send(String id) {
        send(id, AckMode.NONE);
    }

    private void send(String id, AckMode ack) {
        hub.await(c2d.send(D1, new C2dRequest(MessageProperties.builder().messageId(id).put("k", "v").build(), ack, null,
                id.getBytes(StandardCharsets.UTF_8))));
    }

    private static StateKey messageKey(long sequence) {
        return QueueKind.C2D.messageKey(D1.value(), sequence);
    }

    private static List<String> ids(List<Delivery> deliveries) {
        return deliveries.stream().map(d -> d.message().messageId()).toList();
    }

    private List<String> feedback() {
        return feedbackOf(hub);
    }

    /** The feedback records delivered so far, as "message id:status". */
    private static List<String> feedbackOf(ManualCore hub) {
        RecordingSink sink = new RecordingSink();
        Receiver receiver = hub.core.feedback().openReceiver(sink);
        receiver.addCredit(100);
        hub.run();
        List<String> records = new ArrayList<>();
        for (Delivery d : sink.drain()) {
            for (FeedbackRecord record : FeedbackJson.decode(d.message().body())) {
                records.add(record.originalMessageId() + ":" + record.status());
            }
            hub.await(receiver.complete(d.lockToken()));
        }
        receiver.close();
        hub.run();
        return records;
    }
}
