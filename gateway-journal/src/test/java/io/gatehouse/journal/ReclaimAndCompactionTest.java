package io.gatehouse.journal;

import static io.gatehouse.journal.JournalTesting.await;
import static io.gatehouse.journal.JournalTesting.bytes;
import static io.gatehouse.journal.JournalTesting.diskUsage;
import static io.gatehouse.journal.JournalTesting.event;
import static io.gatehouse.journal.JournalTesting.files;
import static io.gatehouse.journal.JournalTesting.key;
import static io.gatehouse.journal.JournalTesting.live;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.WriteBatch;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Disk use stays bounded: dead segments are recycled, mostly dead ones compacted, events expire by segment. */
class ReclaimAndCompactionTest {

    private static final int SEGMENT = 32 * 1024;

    @TempDir
    Path dir;

    @Test
    void segmentsWithNothingLiveAreRecycled() throws Exception {
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            for (int i = 0; i < 5000; i++) {
                store.state().write(WriteBatch.put(key("churn", i), new byte[100]));
                store.state().write(WriteBatch.delete(key("churn", i)));
            }
            await(store.state().write(WriteBatch.put(key("kept", 1), bytes("k"))));
            store.awaitBackgroundWork();

            assertThat(store.stats().segmentsActivated()).isGreaterThan(20);
            assertThat(store.stats().segmentsReclaimed()).isGreaterThan(15);
            assertThat(files(dir, "state-")).hasSizeLessThanOrEqualTo(3); // the head, the next one, at most one more
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            assertThat(live(store)).containsExactly(Map.entry(key("kept", 1), "k"));
            assertThat(store.stats().tornTailsCut()).isZero();
        }
    }

    @Test
    void mostlyDeadSegmentsAreCompactedAndTheirLiveRecordsKept() throws Exception {
        Map<StateKey, String> keepers = new TreeMap<>();
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            for (int i = 0; i < 4000; i++) {
                store.state().write(WriteBatch.put(key("churn", i), new byte[200]));
                store.state().write(WriteBatch.delete(key("churn", i)));
                if (i % 50 == 0) {
                    // one long-lived record in every segment: no segment ever empties by itself
                    keepers.put(key("keeper", i), "k" + i);
                    store.state().write(WriteBatch.put(key("keeper", i), bytes("k" + i)));
                }
            }
            await(store.state().write(new WriteBatch()));
            awaitQuiet(store);

            assertThat(store.stats().compactions()).isGreaterThan(5);
            assertThat(files(dir, "state-")).hasSizeLessThanOrEqualTo(5);
            assertThat(live(store)).isEqualTo(keepers);
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            assertThat(live(store)).isEqualTo(keepers);
        }
    }

    @Test
    void aKeyChangedTwiceInOneRecordKeepsItsLastChangeThroughCompaction() throws Exception {
        Map<StateKey, String> expected = new TreeMap<>();
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            for (int i = 0; i < 1500; i++) {
                store.state().write(WriteBatch.put(key("churn", i), new byte[200]));
                store.state().write(WriteBatch.delete(key("churn", i)));
                if (i % 100 == 0) {
                    // few operations (compared pairwise) and many (through a set), each changing keys twice
                    store.state().write(WriteBatch.put(key("twice", i), bytes("old")).andPut(key("twice", i), bytes("new" + i))
                            .andPut(key("gone", i), bytes("x")).andDelete(key("gone", i)));
                    expected.put(key("twice", i), "new" + i);
                    WriteBatch many = new WriteBatch();
                    for (int k = 0; k < 12; k++) {
                        many.andPut(key("many-" + i, k % 6), bytes("v" + k));
                    }
                    store.state().write(many);
                    for (int k = 6; k < 12; k++) {
                        expected.put(key("many-" + i, k % 6), "v" + k);
                    }
                }
            }
            await(store.state().write(new WriteBatch()));
            awaitQuiet(store);

            assertThat(store.stats().compactions()).isPositive();
            assertThat(live(store)).isEqualTo(expected);
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            assertThat(live(store)).isEqualTo(expected);
        }
    }

    @Test
    void segmentsHoldingMoreOperationsThanOneScanTakesAreCompactedWhole() throws Exception {
        // 1 MB segments of small operations: tens of thousands per segment, several of the compactor's scans each
        JournalOptions options = JournalTesting.small(1).withSegmentSize(1024 * 1024);
        Map<StateKey, String> keepers = new TreeMap<>();
        try (JournalStore store = JournalStore.open(dir, options)) {
            for (int i = 0; i < 60_000; i++) {
                store.state().write(WriteBatch.put(key("churn", i), new byte[8]));
                store.state().write(WriteBatch.delete(key("churn", i)));
                if (i % 1000 == 999) {
                    // spread over every stretch of every segment, the last scans' included
                    keepers.put(key("keeper", i), "k" + i);
                    store.state().write(WriteBatch.put(key("keeper", i), bytes("k" + i)));
                }
            }
            await(store.state().write(new WriteBatch()));
            awaitQuiet(store);

            assertThat(store.stats().compactions()).isGreaterThan(1);
            // a compaction that scanned only part of a segment could never retire it: the old files would stay
            assertThat(files(dir, "state-")).hasSizeLessThanOrEqualTo(4);
            assertThat(live(store)).isEqualTo(keepers);
        }
        try (JournalStore store = JournalStore.open(dir, options)) {
            assertThat(live(store)).isEqualTo(keepers);
        }
    }

    @Test
    void aDeleteStaysWhileAnOlderPutOfItsKeyIsStillOnDisk() throws Exception {
        // compaction off: the first segment (kept alive by "anchor") keeps the old put of "victim" forever
        JournalOptions options = JournalTesting.small(1).withCompactBelow(0);
        try (JournalStore store = JournalStore.open(dir, options)) {
            await(store.state().write(WriteBatch.put(key("anchor", 0), bytes("a")).andPut(key("victim", 0), bytes("old"))));
            churn(store, 0, 2000); // several segments later
            await(store.state().write(WriteBatch.delete(key("victim", 0))));
            churn(store, 2000, 4000); // the delete's segment has nothing else live and is sealed
            await(store.state().write(new WriteBatch()));
            assertThat(files(dir, "state-").get(0).getFileName().toString()).isEqualTo(firstStateFile(store));
        }
        try (JournalStore store = JournalStore.open(dir, options)) {
            assertThat(live(store)).containsOnlyKeys(key("anchor", 0));
            // and once the anchor moves on, the old segment and then the delete can go
            await(store.state().write(WriteBatch.delete(key("anchor", 0))));
            churn(store, 4000, 6000);
            await(store.state().write(new WriteBatch()));
            store.awaitBackgroundWork();
            assertThat(files(dir, "state-")).hasSizeLessThanOrEqualTo(3);
        }
        try (JournalStore store = JournalStore.open(dir, options)) {
            assertThat(live(store)).isEmpty();
        }
    }

    @Test
    void compactionCarriesNeededDeletesForward() throws Exception {
        // the anchor keeps the victim's old put on disk while compaction rewrites the segment holding the delete
        JournalOptions options = JournalTesting.small(1).withCompactBelow(0.5);
        try (JournalStore store = JournalStore.open(dir, options)) {
            byte[] big = new byte[SEGMENT / 3];
            await(store.state().write(WriteBatch.put(key("anchor", 0), big).andPut(key("victim", 0), bytes("old"))));
            churn(store, 0, 1000);
            await(store.state().write(WriteBatch.delete(key("victim", 0))));
            for (int round = 0; round < 5; round++) {
                churn(store, 1000 + round * 1000, 2000 + round * 1000);
                await(store.state().write(new WriteBatch()));
                awaitQuiet(store);
            }
            assertThat(live(store)).containsOnlyKeys(key("anchor", 0));
        }
        try (JournalStore store = JournalStore.open(dir, options)) {
            assertThat(live(store)).containsOnlyKeys(key("anchor", 0));
        }
    }

    @Test
    void retentionDeletesWholeEventSegments() throws Exception {
        List<EventRecord> appended = new ArrayList<>();
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(2))) {
            appended.addAll(ReclaimAndCompactionTest.appendEvents(store, 1, 0, 3000, 100));
            int before = files(dir, "events-").size();
            assertThat(before).isGreaterThan(5);

            long cutoff = appended.get(2000).enqueuedTimeMillis();
            store.events().removeBefore(1, cutoff);

            assertThat(files(dir, "events-").size()).isLessThan(before);
            long first = store.events().first(1).sequenceNumber();
            assertThat(first).isGreaterThan(1000).isLessThanOrEqualTo(2000);
            assertThat(store.events().read(1, 0, 1).get(0).sequenceNumber()).isEqualTo(first);
            assertThat(store.events().sequenceAtTime(1, 0)).isEqualTo(first);
            assertThat(store.events().sequenceAtOffset(1, 0)).isEqualTo(first);
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(2))) {
            long first = store.events().first(1).sequenceNumber();
            assertThat(JournalTesting.events(store, 1)).usingRecursiveFieldByFieldElementComparator()
                    .isEqualTo(appended.subList((int) first, appended.size()));
        }
    }

    /**
     * A long steady flow — C2D-like enqueue / deliver / complete cycles over many devices, feedback records,
     * checkpoints, and events under a sliding retention — keeps the directory within a fixed size while writing
     * far more than that.
     */
    @Test
    void aLongSteadyFlowKeepsDiskUseBounded() throws Exception {
        int devices = 20;
        int depth = 10;
        long bound = 64L * SEGMENT;
        Map<StateKey, String> model = new TreeMap<>();
        long maxUsage = 0;
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(2))) {
            List<Deque<Long>> queues = new ArrayList<>();
            for (int d = 0; d < devices; d++) {
                queues.add(new ArrayDeque<>());
                StateKey device = StateKey.of(RecordKind.DEVICE, "device-" + d);
                model.put(device, "identity");
                store.state().write(WriteBatch.put(device, bytes("identity")));
            }
            Deque<Long> feedbacks = new ArrayDeque<>();
            long[] nextEvent = new long[2];
            long[] offsets = new long[2];
            List<CompletableFuture<Void>> window = new ArrayList<>();
            for (long step = 0; step < 120_000; step++) {
                int d = (int) (step % devices);
                Deque<Long> queue = queues.get(d);
                String owner = "device-" + d;
                WriteBatch batch;
                if (queue.size() < depth) {
                    long id = step;
                    queue.add(id);
                    String value = "message-" + id + "-" + "p".repeat(150);
                    batch = WriteBatch.put(StateKey.of(RecordKind.C2D_MESSAGE, owner, id), bytes(value));
                    model.put(StateKey.of(RecordKind.C2D_MESSAGE, owner, id), value);
                } else if (step % 3 == 0) {
                    long id = queue.peek();
                    StateKey count = StateKey.of(RecordKind.C2D_DELIVERY_COUNT, owner, id);
                    batch = WriteBatch.put(count, bytes("1"));
                    model.put(count, "1");
                } else {
                    long id = queue.poll();
                    StateKey feedback = StateKey.of(RecordKind.FEEDBACK_RECORD, "", id);
                    batch = WriteBatch.delete(StateKey.of(RecordKind.C2D_MESSAGE, owner, id))
                            .andDelete(StateKey.of(RecordKind.C2D_DELIVERY_COUNT, owner, id)).andPut(feedback, bytes("fb"));
                    model.remove(StateKey.of(RecordKind.C2D_MESSAGE, owner, id));
                    model.remove(StateKey.of(RecordKind.C2D_DELIVERY_COUNT, owner, id));
                    model.put(feedback, "fb");
                    // feedback records are batched away shortly after
                    feedbacks.add(id);
                    if (feedbacks.size() > 200) {
                        StateKey older = StateKey.of(RecordKind.FEEDBACK_RECORD, "", feedbacks.poll());
                        batch.andDelete(older);
                        model.remove(older);
                    }
                }
                window.add(store.state().write(batch));
                int p = (int) (step % 2);
                EventRecord e = event(nextEvent[p]++, offsets[p], step, "telemetry-" + step + "x".repeat(100));
                offsets[p] += e.payload().length;
                window.add(store.events().append(p, e));
                if (step % 100 == 0) {
                    StateKey checkpoint = StateKey.of(RecordKind.CHECKPOINT, "$Default", p);
                    window.add(store.state().write(WriteBatch.put(checkpoint, bytes("cp" + step))));
                    model.put(checkpoint, "cp" + step);
                }
                if (window.size() > 400) {
                    CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).get();
                    window.clear();
                }
                if (step % 2000 == 0) {
                    store.events().removeBefore(0, step - 5000);
                    store.events().removeBefore(1, step - 5000);
                    maxUsage = Math.max(maxUsage, settledDiskUsage(store, dir, bound));
                }
            }
            CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).get();
            JournalStats stats = store.stats();
            assertThat(stats.bytesWritten()).as("written").isGreaterThan(15 * bound);
            assertThat(maxUsage).as("largest directory size seen (stats: %s)", stats).isLessThanOrEqualTo(bound);
            assertThat(live(store)).isEqualTo(model);
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(2))) {
            assertThat(live(store)).isEqualTo(model);
        }
    }

    // ------------------------------------------------------------ helpers

    /**
     * The directory size once reclaim has caught up with the writers. Compaction runs one segment at a time
     * between passes, so a writer going flat out can be ahead of it for a moment (more so on a busy machine);
     * a small steady write keeps passes (and so compaction) going while we look. Disk use that never comes
     * back under the bound is what this test exists to catch.
     */
    private static long settledDiskUsage(JournalStore store, Path dir, long bound) throws Exception {
        StateKey tick = StateKey.of(RecordKind.CHECKPOINT, "settle", 0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long usage = diskUsage(dir);
        while (usage > bound && System.nanoTime() < deadline) {
            store.state().write(WriteBatch.put(tick, bytes("t"))).get();
            store.state().write(WriteBatch.delete(tick)).get();
            usage = diskUsage(dir);
        }
        return usage;
    }

    private static void churn(JournalStore store, int from, int to) throws Exception {
        CompletableFuture<Void> last = null;
        for (int i = from; i < to; i++) {
            store.state().write(WriteBatch.put(key("churn", i), new byte[100]));
            last = store.state().write(WriteBatch.delete(key("churn", i)));
        }
        await(last);
    }

    /** Waits until no compaction is under way any more. */
    static void awaitQuiet(JournalStore store) throws Exception {
        long compactions = -1;
        while (compactions != store.stats().compactions()) {
            compactions = store.stats().compactions();
            // a pass settles a finished relocation and may start the next compaction; background work finishes it
            await(store.state().write(new WriteBatch()));
            store.awaitBackgroundWork();
            await(store.state().write(new WriteBatch()));
            store.awaitBackgroundWork();
        }
    }

    private static String firstStateFile(JournalStore store) {
        return files(store.directory(), "state-").get(0).getFileName().toString();
    }

    static List<EventRecord> appendEvents(JournalStore store, int partition, long first, int count, int size) throws Exception {
        List<EventRecord> out = new ArrayList<>();
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        EventRecord last = store.events().last(partition);
        long offset = last == null ? 0 : last.offset() + last.payload().length;
        for (long s = first; s < first + count; s++) {
            EventRecord r = new EventRecord(s, offset, 1000 + s, new byte[size]);
            offset += size;
            out.add(r);
            futures.add(store.events().append(partition, r));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get();
        return out;
    }
}
