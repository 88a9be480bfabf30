package io.gatehouse.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.gatehouse.core.model.DeviceId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The semantics of the store SPI, checked with the same assertions against every implementation (the
 * in-memory store, the journal, the cluster store). Event tests compare with the positions each append
 * got, so they hold whether the core or the log {@link EventLog#assignsPositions() assigns them}.
 */
public abstract class StoreContractTest {

    protected static final int PARTITIONS = 3;

    protected Store store;

    /** A fresh, empty store with {@link #PARTITIONS} event partitions. */
    protected abstract Store newStore() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = newStore();
        // a device's queue entries are written by the node that owns the device
        await(store.state().ownership().claim(DeviceId.of("dev")));
        await(store.state().ownership().claim(DeviceId.of("other")));
    }

    @AfterEach
    void close() {
        store.close();
    }

    // ------------------------------------------------------------ state

    @Test
    void aPutIsLiveAndADeleteRemovesIt() throws Exception {
        StateKey a = StateKey.of(RecordKind.DEVICE, "a");
        StateKey b = StateKey.of(RecordKind.DEVICE, "b");
        await(store.state().write(WriteBatch.put(a, bytes("A1"))));
        await(store.state().write(WriteBatch.put(b, bytes("B1"))));
        await(store.state().write(WriteBatch.put(a, bytes("A2"))));
        await(store.state().write(WriteBatch.delete(b)));

        assertThat(live()).containsOnlyKeys(a).containsEntry(a, "A2");
    }

    @Test
    void aBatchAppliesAllItsOperationsInOrder() throws Exception {
        StateKey message = StateKey.of(RecordKind.C2D_MESSAGE, "dev", 7);
        StateKey count = StateKey.of(RecordKind.C2D_DELIVERY_COUNT, "dev", 7);
        StateKey feedback = StateKey.of(RecordKind.FEEDBACK_RECORD, "", 1);
        await(store.state().write(WriteBatch.put(message, bytes("m")).andPut(count, bytes("1"))));
        await(store.state().write(new WriteBatch().andDelete(message).andDelete(count).andPut(feedback, bytes("f"))
                .andPut(feedback, bytes("f2"))));

        assertThat(live()).containsOnlyKeys(feedback).containsEntry(feedback, "f2");
    }

    @Test
    void keysAreStructuredSoOwnersNeverCollide() throws Exception {
        StateKey one = StateKey.of(RecordKind.SESSION, "a:b", 1);
        StateKey other = StateKey.of(RecordKind.SESSION, "a", 1);
        StateKey otherKind = StateKey.of(RecordKind.CHECKPOINT, "a:b", 1);
        StateKey unicode = StateKey.of(RecordKind.DEVICE, "ü-é-😀", 0);
        await(store.state().write(WriteBatch.put(one, bytes("1")).andPut(other, bytes("2"))
                .andPut(otherKind, bytes("3")).andPut(unicode, bytes("4"))));

        assertThat(live()).containsEntry(one, "1").containsEntry(other, "2").containsEntry(otherKind, "3")
                .containsEntry(unicode, "4").hasSize(4);
    }

    @Test
    void aReadReturnsTheCurrentValueOfEachKeyInOrderAndNullForNone() throws Exception {
        StateKey a = StateKey.of(RecordKind.C2D_MESSAGE, "dev", 1);
        StateKey b = StateKey.of(RecordKind.C2D_MESSAGE, "dev", 2);
        StateKey gone = StateKey.of(RecordKind.C2D_MESSAGE, "dev", 3);
        StateKey never = StateKey.of(RecordKind.C2D_MESSAGE, "other", 1);
        await(store.state().write(WriteBatch.put(a, bytes("A1")).andPut(b, bytes("B1")).andPut(gone, bytes("G"))));
        await(store.state().write(WriteBatch.put(a, bytes("A2"))));
        await(store.state().write(WriteBatch.delete(gone)));

        List<byte[]> values = await(store.state().read(List.of(b, never, gone, a)));

        assertThat(values).hasSize(4);
        assertThat(values.get(0)).asString(StandardCharsets.UTF_8).isEqualTo("B1");
        assertThat(values.get(1)).isNull();
        assertThat(values.get(2)).isNull();
        assertThat(values.get(3)).asString(StandardCharsets.UTF_8).isEqualTo("A2");
    }

    @Test
    void aReadReturnsLargeValuesWhole() throws Exception {
        byte[] large = new byte[48 * 1024];
        for (int i = 0; i < large.length; i++) {
            large[i] = (byte) (i * 31);
        }
        StateKey key = StateKey.of(RecordKind.C2D_MESSAGE, "dev", 1);
        StateKey small = StateKey.of(RecordKind.C2D_DELIVERY_COUNT, "dev", 1);
        await(store.state().write(WriteBatch.put(small, bytes("1")).andPut(key, large)));

        assertThat(await(store.state().read(List.of(key, small)))).containsExactly(large, bytes("1"));
    }

    @Test
    void aStoreSharedByNodesRefusesQueueEntriesOfADeviceThisNodeDoesNotOwn() throws Exception {
        assumeFalse(store.state().ownership().ownsEveryDevice(), "a store of one node owns every device");
        StateKey owned = StateKey.of(RecordKind.C2D_MESSAGE, "dev", 1);
        StateKey stranger = StateKey.of(RecordKind.C2D_MESSAGE, "stranger", 1);
        CompletableFuture<Void> refused = store.state().write(WriteBatch.put(stranger, bytes("s")));
        CompletableFuture<Void> accepted = store.state().write(WriteBatch.put(owned, bytes("o")));

        assertThatThrownBy(() -> await(refused)).hasCauseInstanceOf(StoreException.class);
        await(accepted);
        assertThat(live()).containsOnlyKeys(owned);
    }

    @Test
    void readsAfterCloseFail() {
        store.close();
        assertThatThrownBy(() -> await(store.state().read(List.of(StateKey.of(RecordKind.DEVICE, "a")))))
                .hasCauseInstanceOf(StoreException.class);
    }

    @Test
    void deletingAnUnknownKeyIsHarmless() throws Exception {
        await(store.state().write(WriteBatch.delete(StateKey.of(RecordKind.DEVICE, "ghost"))));
        assertThat(live()).isEmpty();
    }

    @Test
    void completionsFollowTheOrderOfWritesAcrossThreads() throws Exception {
        int threads = 4;
        int perThread = 300;
        Object order = new Object();
        List<Integer> completed = new ArrayList<>();
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        int[] next = {0};
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread writer = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    synchronized (order) {
                        int id = next[0]++;
                        CompletableFuture<Void> f = store.state().write(
                                WriteBatch.put(StateKey.of(RecordKind.FEEDBACK_RECORD, "", id), bytes("v" + id)));
                        futures.add(f.whenComplete((ok, failure) -> {
                            synchronized (completed) {
                                completed.add(id);
                            }
                        }));
                    }
                }
            });
            writers.add(writer);
            writer.start();
        }
        start.countDown();
        for (Thread writer : writers) {
            writer.join();
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        assertThat(completed).hasSize(threads * perThread).isSorted();
        assertThat(live()).hasSize(threads * perThread);
    }

    @Test
    void writesAfterCloseFail() {
        store.close();
        CompletableFuture<Void> f = store.state().write(WriteBatch.put(StateKey.of(RecordKind.DEVICE, "x"), bytes("x")));
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(StoreException.class);
    }

    // ------------------------------------------------------------ events

    @Test
    void theLogHasTheConfiguredPartitions() {
        assertThat(store.events().partitions()).isEqualTo(PARTITIONS);
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(store.events().first(p)).isNull();
            assertThat(store.events().last(p)).isNull();
            assertThat(store.events().read(p, 0, 10)).isEmpty();
            assertThat(store.events().sequenceAtOffset(p, 0)).isEqualTo(-1);
            assertThat(store.events().sequenceAtTime(p, 0)).isEqualTo(-1);
        }
    }

    @Test
    void eventsAreReadBackInOrderFromAnySequenceNumber() throws Exception {
        List<EventRecord> appended = appendEvents(1, 0, 50, 1000);

        assertThat(store.events().first(1)).satisfies(e -> assertSame(e, appended.get(0)));
        assertThat(store.events().last(1)).satisfies(e -> assertSame(e, appended.get(49)));
        assertSameAll(store.events().read(1, 0, 100), appended);
        assertSameAll(store.events().read(1, sequence(appended, 20), 5), appended.subList(20, 25));
        assertSameAll(store.events().read(1, sequence(appended, 49), 5), appended.subList(49, 50));
        assertThat(store.events().read(1, sequence(appended, 49) + 1, 5)).isEmpty();
        assertThat(store.events().read(1, 0, 0)).isEmpty();
        assertThat(store.events().read(0, 0, 10)).isEmpty();
    }

    @Test
    void sequenceGapsAreAllowedAndReadsSkipThem() throws Exception {
        assumeFalse(store.events().assignsPositions(), "the log chooses the positions");
        List<EventRecord> appended = new ArrayList<>();
        long offset = 0;
        for (long seq : new long[] {3, 4, 9, 20}) {
            EventRecord r = new EventRecord(seq, offset, 100 + seq, bytes("e" + seq));
            offset += r.payload().length;
            appended.add(r);
            await(store.events().append(2, r));
        }
        assertSameAll(store.events().read(2, 5, 10), appended.subList(2, 4));
        assertSameAll(store.events().read(2, 0, 1), appended.subList(0, 1));
    }

    @Test
    void appendsMustIncrease() throws Exception {
        assumeFalse(store.events().assignsPositions(), "the log chooses the positions");
        await(store.events().append(0, new EventRecord(5, 0, 1, bytes("x"))));
        assertThatThrownBy(() -> store.events().append(0, new EventRecord(5, 10, 1, bytes("y"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.events().append(0, new EventRecord(4, 10, 1, bytes("y"))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lookupsByOffsetAndTimeFindTheFirstEventAtOrAfter() throws Exception {
        List<EventRecord> appended = appendEvents(0, 0, 40, 5000);
        EventRecord tenth = appended.get(10);

        assertThat(store.events().sequenceAtOffset(0, tenth.offset())).isEqualTo(tenth.sequenceNumber());
        assertThat(store.events().sequenceAtOffset(0, tenth.offset() + 1)).isEqualTo(sequence(appended, 11));
        assertThat(store.events().sequenceAtOffset(0, 0)).isEqualTo(sequence(appended, 0));
        assertThat(store.events().sequenceAtOffset(0, appended.get(39).offset() + 1)).isEqualTo(-1);
        // times: two events per millisecond when the core numbers them (see appendEvents), the log's clock otherwise
        assertThat(store.events().sequenceAtTime(0, tenth.enqueuedTimeMillis()))
                .isEqualTo(firstEnqueuedAtOrAfter(appended, tenth.enqueuedTimeMillis()));
        assertThat(store.events().sequenceAtTime(0, tenth.enqueuedTimeMillis() + 1))
                .isEqualTo(firstEnqueuedAtOrAfter(appended, tenth.enqueuedTimeMillis() + 1));
        assertThat(store.events().sequenceAtTime(0, Long.MIN_VALUE)).isEqualTo(sequence(appended, 0));
        assertThat(store.events().sequenceAtTime(0, appended.get(39).enqueuedTimeMillis() + 1)).isEqualTo(-1);
    }

    @Test
    void retentionRemovesOldEventsButNeverNewerOnesNorTheNewest() throws Exception {
        List<EventRecord> appended = appendEvents(1, 0, 200, 10_000);
        long cutoff = appended.get(120).enqueuedTimeMillis();

        store.events().removeBefore(1, cutoff);

        List<EventRecord> kept = store.events().read(1, 0, 1000);
        assertThat(kept).isNotEmpty();
        assertSame(kept.get(kept.size() - 1), appended.get(199));
        assertThat(kept).allSatisfy(e -> assertThat(e.sequenceNumber()).isLessThan(200));
        // every event at or after the cutoff is still there, in order, without gaps
        int firstKept = appended.indexOf(appended.stream()
                .filter(e -> e.sequenceNumber() == kept.get(0).sequenceNumber()).findFirst().orElseThrow());
        assertThat(firstKept).isLessThanOrEqualTo(120);
        assertSameAll(kept, appended.subList(firstKept, 200));
        assertSame(store.events().first(1), appended.get(firstKept));
        assertThat(store.events().read(1, 0, 1).get(0).sequenceNumber()).isEqualTo(sequence(appended, firstKept));

        store.events().removeBefore(1, Long.MAX_VALUE);
        assertSame(store.events().last(1), appended.get(199));
        assertThat(store.events().read(1, 0, 1000)).isNotEmpty()
                .last().satisfies(e -> assertSame(e, appended.get(199)));
    }

    @Test
    void eventsAfterRetentionContinue() throws Exception {
        List<EventRecord> appended = appendEvents(2, 0, 100, 1000);
        store.events().removeBefore(2, Long.MAX_VALUE);
        List<EventRecord> more = appendEvents(2, 100, 10, 1000);
        assertSame(store.events().last(2), more.get(9));
        List<EventRecord> tail = store.events().read(2, sequence(appended, 99), 100);
        assertSame(tail.get(0), appended.get(99));
        assertSameAll(tail.subList(1, tail.size()), more);
    }

    // ------------------------------------------------------------ helpers

    /**
     * Appends {@code count} events with payloads of varied sizes and returns them as stored. When the core
     * numbers them, they are numbered from {@code firstSequence}, two per millisecond.
     */
    protected List<EventRecord> appendEvents(int partition, long firstSequence, int count, int maxPayload) throws Exception {
        List<CompletableFuture<EventRecord>> futures = new ArrayList<>();
        EventRecord previous = store.events().last(partition);
        long offset = previous == null ? 0 : previous.offset() + previous.payload().length;
        for (int i = 0; i < count; i++) {
            long seq = firstSequence + i;
            byte[] payload = new byte[1 + (int) ((seq * 7919) % maxPayload)];
            for (int b = 0; b < payload.length; b++) {
                payload[b] = (byte) (seq + b);
            }
            if (store.events().assignsPositions()) {
                futures.add(store.events().appendAssigned(partition, payload));
            } else {
                EventRecord r = new EventRecord(seq, offset, 1_000_000 + seq / 2, payload);
                offset += payload.length;
                futures.add(store.events().append(partition, r).thenApply(ok -> r));
            }
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        return futures.stream().map(CompletableFuture::join).collect(Collectors.toList());
    }

    protected static long sequence(List<EventRecord> events, int index) {
        return events.get(index).sequenceNumber();
    }

    /** What {@link EventLog#sequenceAtTime} must answer for events appended in {@code events}' order. */
    private static long firstEnqueuedAtOrAfter(List<EventRecord> events, long epochMillis) {
        return events.stream().filter(e -> e.enqueuedTimeMillis() >= epochMillis).findFirst()
                .map(EventRecord::sequenceNumber).orElse(-1L);
    }

    protected Map<StateKey, String> live() {
        Map<StateKey, String> out = new HashMap<>();
        store.state().forEachLive((key, value) -> out.put(key, new String(value, StandardCharsets.UTF_8)));
        return out;
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    protected static void assertSame(EventRecord actual, EventRecord expected) {
        assertThat(actual.sequenceNumber()).isEqualTo(expected.sequenceNumber());
        assertThat(actual.offset()).isEqualTo(expected.offset());
        assertThat(actual.enqueuedTimeMillis()).isEqualTo(expected.enqueuedTimeMillis());
        assertThat(actual.payload()).isEqualTo(expected.payload());
    }

    protected static void assertSameAll(List<EventRecord> actual, List<EventRecord> expected) {
        assertThat(actual.stream().map(EventRecord::sequenceNumber).collect(Collectors.toList()))
                .isEqualTo(expected.stream().map(EventRecord::sequenceNumber).collect(Collectors.toList()));
        for (int i = 0; i < actual.size(); i++) {
            assertSame(actual.get(i), expected.get(i));
        }
    }
}
