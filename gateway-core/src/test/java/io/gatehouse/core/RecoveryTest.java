package io.gatehouse.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.FeedbackJson;
import io.gatehouse.core.feedback.FeedbackRecord;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.feedback.FeedbackStatus;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.QueueKind;
import io.gatehouse.core.queue.QueueMessage;
import io.gatehouse.core.queue.QueueMessageCodec;
import io.gatehouse.core.queue.QueueStats;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.session.C2dDeliveryMode;
import io.gatehouse.core.session.DeviceSession;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.WriteBatch;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.ManualStore;
import io.gatehouse.core.testing.RecordingSink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Restarting from what the store holds (docs/architecture.md#durability-discipline): a crash is simulated by abandoning a core and starting a new
 * one over the same store content. Locks are not stored, so what was locked comes back ENQUEUED.
 */
class RecoveryTest {

    private static final DeviceId D1 = DeviceId.of("d1");

    private HubSettings settings = HubSettings.defaults()
            .with(HubSettings.C2D_MAX_DELIVERY_COUNT.property(), "3")
            .with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S");
    private ManualCore hub;

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private void start() {
        hub = new ManualCore(settings, new InMemoryStore(settings.eventPartitions()));
    }

    private void send(String id, AckMode ack, Instant expiry) {
        hub.await(hub.core.c2d().send(D1, new C2dRequest(MessageProperties.builder().messageId(id).put("p", id).build(),
                ack, expiry, id.getBytes())));
    }

    private Receiver receiver(RecordingSink sink, int credit) {
        Receiver r = hub.core.c2d().openReceiver(D1, sink);
        r.addCredit(credit);
        hub.run();
        return r;
    }

    private List<FeedbackRecord> feedback() {
        RecordingSink sink = new RecordingSink();
        Receiver r = hub.core.feedback().openReceiver(sink);
        r.addCredit(1000);
        hub.run();
        List<FeedbackRecord> records = new ArrayList<>();
        for (Delivery d : sink.drain()) {
            records.addAll(FeedbackJson.decode(d.message().body()));
            hub.await(r.complete(d.lockToken()));
        }
        r.close();
        hub.run();
        return records;
    }

    @Test
    void queuesComeBackInOrderWithTheirCountsAndLocksReleased() {
        start();
        Device device = hub.createDevice("d1");
        for (int i = 0; i < 5; i++) {
            send("m" + i, AckMode.NONE, null);
        }
        RecordingSink sink = new RecordingSink();
        Receiver r = receiver(sink, 3);
        List<Delivery> first = sink.drain();
        assertThat(first).extracting(d -> d.message().messageId()).containsExactly("m0", "m1", "m2");
        hub.await(r.complete(first.get(0).lockToken()));
        hub.await(r.abandon(first.get(1).lockToken()));
        r.addCredit(1);
        hub.run();
        // m1 again (count 2), m2 still locked (count 1); m3 and m4 never delivered
        assertThat(sink.poll().deliveryCount()).isEqualTo(2);

        hub = hub.restart();
        assertThat(hub.core.registry().get(D1)).contains(device);
        assertThat(hub.await(hub.core.c2d().stats(D1))).isEqualTo(new QueueStats(4, 0, 0));
        RecordingSink after = new RecordingSink();
        receiver(after, 10);
        List<Delivery> again = after.drain();
        assertThat(again).extracting(d -> d.message().messageId()).containsExactly("m1", "m2", "m3", "m4");
        assertThat(again).extracting(Delivery::deliveryCount).containsExactly(3, 2, 1, 1);
        QueueMessage m3 = again.get(2).message();
        assertThat(m3.properties().application()).containsEntry("p", "m3");
        assertThat(m3.body()).isEqualTo("m3".getBytes());
        assertThat(m3.properties().to()).isEqualTo("/devices/d1/messages/devicebound");
    }

    @Test
    void messagesThatExpiredWhileDownAreDeadLetteredWithFeedback() {
        start();
        hub.createDevice("d1");
        Instant start = hub.clock.now();
        send("short", AckMode.NEGATIVE, start.plusSeconds(10));
        send("locked-short", AckMode.FULL, start.plusSeconds(10));
        send("long", AckMode.FULL, start.plusSeconds(3600));
        receiver(new RecordingSink(), 2);

        // the clock moves while nothing runs: the first core is down
        hub.clock.advance(Duration.ofSeconds(20));
        hub = hub.restart();
        assertThat(hub.await(hub.core.c2d().stats(D1))).isEqualTo(new QueueStats(1, 0, 0));
        assertThat(feedback()).extracting(FeedbackRecord::originalMessageId, FeedbackRecord::status, FeedbackRecord::time)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("short", FeedbackStatus.EXPIRED, start.plusSeconds(20)),
                        org.assertj.core.groups.Tuple.tuple("locked-short", FeedbackStatus.EXPIRED, start.plusSeconds(20)));
    }

    @Test
    void aMessageAtItsDeliveryLimitIsDeadLetteredAtRestart() {
        start();
        hub.createDevice("d1");
        send("tired", AckMode.NEGATIVE, null);
        send("fresh", AckMode.NEGATIVE, null);
        RecordingSink sink = new RecordingSink();
        Receiver r = receiver(sink, 1);
        for (int i = 1; i < 3; i++) {
            hub.await(r.abandon(sink.poll().lockToken()));
            r.addCredit(1);
            hub.run();
        }
        Delivery third = sink.poll();
        assertThat(third.deliveryCount()).isEqualTo(3);

        hub = hub.restart();
        assertThat(feedback()).singleElement().satisfies(f -> {
            assertThat(f.originalMessageId()).isEqualTo("tired");
            assertThat(f.status()).isEqualTo(FeedbackStatus.DELIVERY_COUNT_EXCEEDED);
        });
        RecordingSink after = new RecordingSink();
        receiver(after, 10);
        assertThat(after.drain()).extracting(d -> d.message().messageId()).containsExactly("fresh");
    }

    @Test
    void pendingFeedbackRecordsAreBatchedAgainAndFeedbackMessagesKeepTheirCounts() {
        settings = settings.with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT1M")
                .with(HubSettings.FEEDBACK_MAX_RECORDS.property(), "2");
        start();
        hub.createDevice("d1");
        for (int i = 0; i < 7; i++) {
            send("m" + i, AckMode.POSITIVE, null);
        }
        RecordingSink sink = new RecordingSink();
        Receiver r = receiver(sink, 7);
        for (Delivery d : sink.drain()) {
            hub.await(r.complete(d.lockToken()));
        }
        // 3 full feedback messages exist; the 7th record waits for the window
        assertThat(hub.core.feedback().depth()).isEqualTo(3);
        RecordingSink fb = new RecordingSink();
        Receiver service = hub.core.feedback().openReceiver(fb);
        service.addCredit(1);
        hub.run();
        Delivery lockedFeedback = fb.poll();
        List<String> inLockedMessage = FeedbackJson.decode(lockedFeedback.message().body()).stream()
                .map(FeedbackRecord::originalMessageId).toList();

        hub = hub.restart();
        // the pending record became a message of its own at start
        assertThat(hub.core.feedback().depth()).isEqualTo(4);
        RecordingSink after = new RecordingSink();
        Receiver again = hub.core.feedback().openReceiver(after);
        again.addCredit(10);
        hub.run();
        List<Delivery> messages = after.drain();
        assertThat(messages).hasSize(4);
        assertThat(messages).filteredOn(d -> d.message().messageId().equals(lockedFeedback.message().messageId()))
                .singleElement().satisfies(d -> {
                    assertThat(d.deliveryCount()).isEqualTo(2);
                    assertThat(FeedbackJson.decode(d.message().body())).extracting(FeedbackRecord::originalMessageId)
                            .containsExactlyElementsOf(inLockedMessage);
                });
        List<String> all = new ArrayList<>();
        messages.forEach(d -> FeedbackJson.decode(d.message().body()).forEach(rec -> all.add(rec.originalMessageId())));
        assertThat(all).containsExactlyInAnyOrder("m0", "m1", "m2", "m3", "m4", "m5", "m6");
        assertThat(hub.core.feedback().depth()).isEqualTo(4);
    }

    @Test
    void aSendThatNeverBecameDurableIsNotThereAfterACrash() {
        ManualStore store = new ManualStore(4);
        hub = new ManualCore(settings, store);
        hub.createDevice("d1");
        hub.await(hub.core.c2d().send(D1, C2dRequest.of("confirmed", new byte[1])));
        store.hold();
        CompletableFuture<String> unconfirmed = hub.core.c2d().send(D1, C2dRequest.of("unconfirmed", new byte[1]));
        hub.run();
        assertThat(unconfirmed).isNotDone();

        hub = hub.restart(new ManualStore(store.durable()));
        RecordingSink sink = new RecordingSink();
        receiver(sink, 10);
        assertThat(sink.drain()).extracting(d -> d.message().messageId()).containsExactly("confirmed");
    }

    @Test
    void sessionsAndCheckpointsSurvive() {
        start();
        hub.createDevice("d1");
        hub.await(hub.core.sessions().put(D1, new DeviceSession(C2dDeliveryMode.AT_MOST_ONCE)));
        hub = hub.restart();
        assertThat(hub.core.sessions().get(D1)).contains(new DeviceSession(C2dDeliveryMode.AT_MOST_ONCE));
    }

    @Test
    void aCrashedDeletionsLeftoversAreRemovedAndNeverReachARecreatedDevice() {
        start();
        Device deleted = hub.createDevice("d1");
        // what a crash between a device's deletion and its queue's purge leaves: a message and its delivery
        // count whose device no longer exists
        Instant now = hub.clock.now();
        QueueMessage orphan = new QueueMessage(MessageProperties.builder().messageId("orphan").build(), AckMode.FULL, now,
                now.plusSeconds(3600), new byte[1]);
        hub.await(hub.core.registry().delete(D1, "*"));
        hub.store.state().write(new WriteBatch()
                .andPut(QueueKind.C2D.messageKey("d1", 0), QueueMessageCodec.encode(orphan, deleted.generationId()))
                .andPut(QueueKind.C2D.countKey("d1", 0), QueueMessageCodec.encodeCount(3))).join();

        hub = hub.restart();
        Map<StateKey, byte[]> stored = ((InMemoryStore) hub.store).state().snapshot();
        assertThat(stored.keySet()).noneMatch(k -> k.owner().equals("d1"));

        // the id is used again; its first message must not inherit the old message's delivery count
        hub.createDevice("d1");
        send("new", AckMode.FULL, null);
        hub = hub.restart();
        RecordingSink sink = new RecordingSink();
        receiver(sink, 1);
        Delivery d = sink.poll();
        assertThat(d).as("delivered, not dead-lettered").isNotNull();
        assertThat(d.message().messageId()).isEqualTo("new");
        assertThat(d.deliveryCount()).isEqualTo(1);
        assertThat(feedback()).isEmpty();
    }

    /**
     * A crash between a deletion and its purge, and the id created again before the restart: the old
     * identity's message is told apart by its generation and never reaches the new device.
     */
    @Test
    void aDeletedDevicesLeftoversNeverReachTheDeviceCreatedAgainUnderItsId() {
        start();
        Device deleted = hub.createDevice("d1");
        Instant now = hub.clock.now();
        QueueMessage orphan = new QueueMessage(MessageProperties.builder().messageId("orphan").build(), AckMode.FULL, now,
                now.plusSeconds(3600), new byte[1]);
        hub.await(hub.core.registry().delete(D1, "*"));
        hub.createDevice("d1");
        hub.store.state().write(WriteBatch.put(QueueKind.C2D.messageKey("d1", 7),
                QueueMessageCodec.encode(orphan, deleted.generationId()))).join();

        hub = hub.restart();
        RecordingSink sink = new RecordingSink();
        receiver(sink, 1);
        assertThat(sink.poll()).as("the old identity's message").isNull();
        assertThat(((InMemoryStore) hub.store).state().snapshot()).doesNotContainKey(QueueKind.C2D.messageKey("d1", 7));
        assertThat(feedback()).isEmpty();
    }

    @Test
    void deliveryCountsWithoutTheirMessageAreRemoved() {
        start();
        hub.createDevice("d1");
        hub.store.state().write(new WriteBatch()
                .andPut(QueueKind.C2D.countKey("d1", 99), QueueMessageCodec.encodeCount(1))
                .andPut(QueueKind.FEEDBACK.countKey("", 5), QueueMessageCodec.encodeCount(1))).join();
        hub = hub.restart();
        assertThat(((InMemoryStore) hub.store).state().snapshot().keySet())
                .noneMatch(k -> k.kind() == RecordKind.C2D_DELIVERY_COUNT || k.kind() == RecordKind.FEEDBACK_DELIVERY_COUNT);
    }

    /**
     * Feedback produced while recovery dead-letters messages must not take the store keys of feedback that was
     * already waiting: a stored feedback message and a pending record both survive next to the new ones.
     */
    @Test
    void feedbackMadeDuringRecoveryDoesNotOverwriteStoredFeedback() {
        start();
        Device device = hub.createDevice("d1");
        send("tired", AckMode.FULL, null);
        Instant now = hub.clock.now();
        FeedbackRecord waitingInMessage = new FeedbackRecord("in-a-message", now, FeedbackStatus.SUCCESS, "d1",
                device.generationId());
        FeedbackRecord pending = new FeedbackRecord("pending", now, FeedbackStatus.REJECTED, "d1", device.generationId());
        QueueMessage feedbackMessage = new QueueMessage(MessageProperties.builder().messageId("fb-0")
                .contentType("application/vnd.microsoft.iothub.feedback.json").build(), AckMode.NONE, now,
                now.plus(Duration.ofHours(1)), FeedbackJson.encode(List.of(waitingInMessage)));
        // as a crash leaves them: the C2D message at its delivery limit, feedback message 0 and pending record 0
        hub.store.state().write(new WriteBatch()
                .andPut(QueueKind.C2D.countKey("d1", 0), QueueMessageCodec.encodeCount(3))
                .andPut(QueueKind.FEEDBACK.messageKey("", 0), QueueMessageCodec.encode(feedbackMessage, ""))
                .andPut(StateKey.of(RecordKind.FEEDBACK_RECORD, "", 0),
                        io.gatehouse.core.feedback.FeedbackRecordCodec.encode(pending))).join();

        hub = hub.restart();
        assertThat(feedback()).extracting(FeedbackRecord::originalMessageId, FeedbackRecord::status)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("in-a-message", FeedbackStatus.SUCCESS),
                        org.assertj.core.groups.Tuple.tuple("pending", FeedbackStatus.REJECTED),
                        org.assertj.core.groups.Tuple.tuple("tired", FeedbackStatus.DELIVERY_COUNT_EXCEEDED));
    }
}
