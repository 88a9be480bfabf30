package io.gatehouse.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.WriteBatch;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.ManualStore;
import io.gatehouse.core.testing.RecordingSink;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Nothing is confirmed before it is durable, and nothing unconfirmed is acted on (docs/architecture.md#durability-discipline, DESIGN "Queue core"):
 * the store's writes complete only when this test says so.
 */
class DurabilityDisciplineTest {

    private static final DeviceId D1 = DeviceId.of("d1");

    private final ManualStore store = new ManualStore(4);
    private final ManualCore hub = new ManualCore(HubSettings.defaults()
            .with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S"), store);
    private final CloudToDevice c2d = hub.core.c2d();
    private final RecordingSink sink = new RecordingSink();
    private Receiver receiver;

    @BeforeEach
    void setUp() {
        hub.createDevice("d1");
        receiver = c2d.openReceiver(D1, sink);
        hub.run();
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private CompletableFuture<String> send(String id, AckMode ack) {
        CompletableFuture<String> f = c2d.send(D1, new C2dRequest(MessageProperties.builder().messageId(id).build(), ack,
                null, new byte[] {1}));
        hub.run();
        return f;
    }

    private static List<RecordKind> kinds(WriteBatch batch) {
        return batch.ops().stream().map(op -> op.key().kind()).toList();
    }

    private static GatewayException failureOf(CompletableFuture<?> f) {
        assertThat(f).isCompletedExceptionally();
        try {
            f.join();
            throw new AssertionError("not failed");
        } catch (CompletionException e) {
            return GatewayException.unwrap(e);
        }
    }

    @Test
    void aSendIsConfirmedOnlyOnceTheMessageIsDurable() {
        store.hold();
        CompletableFuture<String> sent = send("m1", AckMode.NONE);
        assertThat(sent).isNotDone();
        assertThat(store.pendingBatches()).singleElement().satisfies(b -> {
            assertThat(kinds(b)).containsExactly(RecordKind.C2D_MESSAGE);
            assertThat(b.ops().get(0).isDelete()).isFalse();
        });
        store.completeWrites(1);
        assertThat(sent).isCompletedWithValue("m1");
    }

    @Test
    void aMessageReachesTheReceiverOnlyOnceItsDeliveryCountIsDurable() {
        hub.await(send("m1", AckMode.NONE));
        store.hold();
        receiver.addCredit(1);
        hub.run();
        assertThat(sink.poll()).as("not before the count is durable").isNull();
        assertThat(store.pendingBatches()).singleElement().satisfies(b ->
                assertThat(kinds(b)).containsExactly(RecordKind.C2D_DELIVERY_COUNT));

        store.completeWrites(1);
        hub.run();
        assertThat(sink.poll().deliveryCount()).isEqualTo(1);
    }

    @Test
    void theCountOfTheFirstDeliveryIsWrittenWithTheMessageItself() {
        receiver.addCredit(1);
        hub.run();
        store.hold();
        CompletableFuture<String> sent = send("m1", AckMode.NONE);
        // locked at once, for the receiver waiting: the count goes in the message's batch, one write for both
        assertThat(store.pendingBatches()).extracting(DurabilityDisciplineTest::kinds)
                .containsExactly(List.of(RecordKind.C2D_MESSAGE, RecordKind.C2D_DELIVERY_COUNT));
        assertThat(sink.poll()).as("not before the batch is durable").isNull();
        store.completeWrites(1);
        hub.run();
        assertThat(sent).isCompleted();
        Delivery d = sink.poll();
        assertThat(d.message().messageId()).isEqualTo("m1");
        assertThat(d.deliveryCount()).isEqualTo(1);
    }

    @Test
    void aMessageExpiredWhenEnqueuedEndsInItsOwnBatchAfterItsPut() {
        receiver.addCredit(1);
        hub.run();
        store.hold();
        CompletableFuture<String> sent = c2d.send(D1, new C2dRequest(MessageProperties.builder().messageId("old").build(),
                AckMode.FULL, Instant.EPOCH, new byte[] {1}));
        hub.run();
        // were the end written before the put, the store would keep a message that ended
        assertThat(store.pendingBatches()).singleElement().satisfies(b -> {
            assertThat(kinds(b)).containsExactly(RecordKind.C2D_MESSAGE, RecordKind.C2D_MESSAGE, RecordKind.FEEDBACK_RECORD);
            assertThat(b.ops()).extracting(WriteBatch.Op::isDelete).containsExactly(false, true, false);
        });
        store.completeWrites(1);
        hub.run();
        assertThat(sent).isCompleted();
        assertThat(sink.poll()).isNull();
        assertThat(hub.await(c2d.stats(D1))).isEqualTo(new QueueStats(0, 0, 1));
        store.release();
        hub.run();
        assertThat(hub.core.feedback().depth()).as("the expiry's feedback, once durable").isEqualTo(1);
    }

    @Test
    void aMessageWhoseEnqueueFailedIsNeverDelivered() {
        receiver.addCredit(1);
        hub.run();
        store.hold();
        CompletableFuture<String> sent = send("lost", AckMode.FULL);
        store.failNextWrite();
        hub.run();
        assertThat(failureOf(sent).code()).isEqualTo(ErrorCode.STORE_FAILURE);
        // even its delivery count write succeeding later does not deliver it
        store.completeAllWrites();
        hub.run();
        assertThat(sink.poll()).isNull();
        assertThat(sink.pollLost()).isNull();
        assertThat(hub.await(c2d.stats(D1))).isEqualTo(new QueueStats(0, 0, 1));

        // and the receiver's credit is intact: the next message is delivered
        store.release();
        hub.await(send("next", AckMode.NONE));
        hub.run();
        assertThat(sink.poll().message().messageId()).isEqualTo("next");
        assertThat(hub.core.feedback().depth()).as("no outcome, so no feedback").isZero();
    }

    @Test
    void theDeliveryCountsOfMessagesLockedTogetherGoInOneWriteAndFailTogether() {
        for (String id : List.of("m1", "m2", "m3")) {
            hub.await(send(id, AckMode.NONE));
        }
        store.hold();
        receiver.addCredit(3);
        hub.run();
        assertThat(store.pendingBatches()).singleElement().satisfies(b -> assertThat(kinds(b))
                .containsExactly(RecordKind.C2D_DELIVERY_COUNT, RecordKind.C2D_DELIVERY_COUNT,
                        RecordKind.C2D_DELIVERY_COUNT));
        store.failNextWrite();
        hub.run();
        assertThat(sink.poll()).isNull();
        assertThat(hub.await(c2d.stats(D1))).isEqualTo(new QueueStats(3, 0, 1));

        receiver.addCredit(0);
        hub.run();
        store.completeWrites(1);
        hub.run();
        assertThat(sink.drain()).extracting(d -> d.message().messageId() + "#" + d.deliveryCount())
                .containsExactly("m1#1", "m2#1", "m3#1");
        store.release();
    }

    @Test
    void aFailedDeliveryCountWriteReturnsTheMessageAndTheCredit() {
        hub.await(send("m1", AckMode.NONE));
        store.hold();
        receiver.addCredit(1);
        hub.run();
        store.failNextWrite();
        hub.run();
        assertThat(sink.poll()).isNull();
        assertThat(hub.await(c2d.stats(D1))).isEqualTo(new QueueStats(1, 0, 1));

        // the next event on the queue retries with the credit given back; the failed attempt did not count
        receiver.addCredit(0);
        hub.run();
        store.completeWrites(1);
        hub.run();
        Delivery d = sink.poll();
        assertThat(d.message().messageId()).isEqualTo("m1");
        assertThat(d.deliveryCount()).isEqualTo(1);
        store.release();
    }

    @Test
    void settlementIsConfirmedOnlyOnceDurableAndEndsWithItsFeedbackInOneBatch() {
        hub.await(send("m1", AckMode.FULL));
        receiver.addCredit(1);
        hub.run();
        Delivery d = sink.poll();

        store.hold();
        CompletableFuture<Void> completed = receiver.complete(d.lockToken());
        hub.run();
        assertThat(completed).isNotDone();
        assertThat(store.pendingBatches()).singleElement().satisfies(b -> {
            assertThat(kinds(b)).containsExactlyInAnyOrder(RecordKind.C2D_MESSAGE, RecordKind.C2D_DELIVERY_COUNT,
                    RecordKind.FEEDBACK_RECORD);
            assertThat(b.ops()).filteredOn(op -> op.key().kind() != RecordKind.FEEDBACK_RECORD).allMatch(WriteBatch.Op::isDelete);
        });
        assertThat(hub.core.feedback().depth()).as("no feedback before the outcome is durable").isZero();
        store.completeWrites(1);
        hub.run();
        assertThat(completed).isCompleted();
        // the feedback message replaces its pending record in one batch too
        assertThat(store.pendingBatches()).singleElement().satisfies(b ->
                assertThat(kinds(b)).containsExactlyInAnyOrder(RecordKind.FEEDBACK_RECORD, RecordKind.FEEDBACK_MESSAGE));
        store.release();
        hub.run();
        assertThat(hub.core.feedback().depth()).isEqualTo(1);
    }

    @Test
    void rejectAndPurgeAreConfirmedOnlyOnceDurable() {
        hub.await(send("m1", AckMode.NONE));
        hub.await(send("m2", AckMode.NONE));
        receiver.addCredit(1);
        hub.run();
        Delivery d = sink.poll();

        store.hold();
        CompletableFuture<Void> rejected = receiver.reject(d.lockToken());
        CompletableFuture<Integer> purged = c2d.purge(D1);
        hub.run();
        assertThat(rejected).isNotDone();
        assertThat(purged).isNotDone();
        store.completeWrites(1);
        hub.run();
        assertThat(rejected).isCompleted();
        assertThat(purged).isNotDone();
        store.completeWrites(1);
        hub.run();
        assertThat(purged).isCompletedWithValue(1);
    }

    @Test
    void abandonNeedsNoWriteUnlessItEndsTheMessage() {
        hub.await(send("m1", AckMode.NONE));
        receiver.addCredit(1);
        hub.run();
        Delivery d = sink.poll();
        store.hold();
        CompletableFuture<Void> abandoned = receiver.abandon(d.lockToken());
        hub.run();
        assertThat(abandoned).isCompleted();
        assertThat(store.pendingWrites()).isZero();
        store.release();
    }

    /**
     * A delivery withdrawn before the receiver saw it (its link dropped, or its lock ran out, while the count
     * was being written) did not happen: it must not use up one of the message's deliveries.
     */
    @Test
    void aDeliveryTheReceiverNeverSawDoesNotCount() {
        ManualStore limited = new ManualStore(4);
        try (ManualCore one = new ManualCore(HubSettings.defaults()
                .with(HubSettings.C2D_MAX_DELIVERY_COUNT.property(), "1")
                .with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S"), limited)) {
            one.createDevice("d1");
            one.await(one.core.c2d().send(D1, new C2dRequest(MessageProperties.builder().messageId("m1").build(),
                    AckMode.FULL, null, new byte[1])));
            RecordingSink first = new RecordingSink();
            Receiver dropped = one.core.c2d().openReceiver(D1, first);
            limited.hold();
            dropped.addCredit(1);
            one.run();
            // the link drops while the delivery count is being written
            dropped.close();
            one.run();
            limited.release();
            one.run();
            assertThat(first.poll()).isNull();

            RecordingSink second = new RecordingSink();
            Receiver next = one.core.c2d().openReceiver(D1, second);
            limited.hold();
            next.addCredit(1);
            one.run();
            // and this time the lock runs out before the count is durable: the credit comes back and the
            // message is offered again, still as its first delivery
            one.advance(java.time.Duration.ofMinutes(1));
            assertThat(second.poll()).isNull();
            assertThat(one.core.feedback().depth()).as("not dead-lettered: never delivered").isZero();
            limited.release();
            one.run();
            Delivery d = second.poll();
            assertThat(d).as("delivered at last").isNotNull();
            assertThat(d.deliveryCount()).isEqualTo(1);
            assertThat(second.poll()).isNull();
            assertThat(second.pollLost()).isNull();
        }
    }
}
