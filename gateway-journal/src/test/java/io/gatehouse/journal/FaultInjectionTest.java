package io.gatehouse.journal;

import static io.gatehouse.journal.JournalTesting.await;
import static io.gatehouse.journal.JournalTesting.bytes;
import static io.gatehouse.journal.JournalTesting.event;
import static io.gatehouse.journal.JournalTesting.events;
import static io.gatehouse.journal.JournalTesting.files;
import static io.gatehouse.journal.JournalTesting.key;
import static io.gatehouse.journal.JournalTesting.live;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StoreException;
import io.gatehouse.core.store.WriteBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Disk full and I/O errors through a fault-injecting file layer: only what cannot be written fails. */
class FaultInjectionTest {

    @TempDir
    Path dir;

    private final FaultyFileLayer layer = new FaultyFileLayer();
    private final Map<StateKey, String> acknowledged = new TreeMap<>();

    @Test
    void aFullDiskFailsTheWritesThatNeedNewSpaceAndWritingResumesWhenSpaceReturns() throws Exception {
        // preallocated segments and no spares: records still fit in the current segment; the next one cannot be made
        JournalOptions options = JournalTesting.small(1).withSpareSegments(0).withFiles(layer);
        try (JournalStore store = JournalStore.open(dir, options)) {
            for (int i = 0; i < 10; i++) {
                put(store, "before", i);
            }
            layer.diskFull = true;
            Throwable failure = null;
            int i = 0;
            while (failure == null && i < 5000) {
                try {
                    put(store, "full", i++);
                } catch (ExecutionException e) {
                    failure = e.getCause();
                }
            }
            assertThat(failure).isInstanceOf(StoreException.class).hasMessageContaining(FaultyFileLayer.NO_SPACE)
                    .hasMessageContaining("state");
            assertThat(i).as("records that still fitted the preallocated segment").isGreaterThan(1);
            for (int j = 0; j < 3; j++) {
                StateKey k = key("still-full", j);
                assertThatThrownBy(() -> await(store.state().write(WriteBatch.put(k, bytes("x")))))
                        .hasCauseInstanceOf(StoreException.class);
            }
            // reads keep working while writes fail
            assertThat(live(store)).isEqualTo(acknowledged);

            layer.diskFull = false;
            put(store, "after", 0);
            assertThat(live(store)).isEqualTo(acknowledged);
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            assertThat(live(store)).isEqualTo(acknowledged);
        }
    }

    @Test
    void aWriteCutShortByAFullDiskNeverDamagesWhatWasWrittenBefore() throws Exception {
        // growing files: the pass's write itself runs out of space half way
        JournalOptions options = JournalTesting.small(1).withPreallocate(false).withFiles(layer);
        try (JournalStore store = JournalStore.open(dir, options)) {
            for (int i = 0; i < 20; i++) {
                put(store, "before", i);
            }
            layer.diskFull = true;
            List<CompletableFuture<Void>> failed = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                failed.add(store.state().write(WriteBatch.put(key("full", i), bytes("lost"))));
            }
            for (CompletableFuture<Void> f : failed) {
                assertThatThrownBy(() -> await(f)).hasCauseInstanceOf(StoreException.class)
                        .hasMessageContaining(FaultyFileLayer.NO_SPACE);
            }
            assertThat(live(store)).isEqualTo(acknowledged);
            layer.diskFull = false;
            put(store, "after", 1);
            put(store, "after", 2);
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1).withPreallocate(false))) {
            assertThat(live(store)).isEqualTo(acknowledged);
            put(store, "reopened", 1);
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1).withPreallocate(false))) {
            assertThat(live(store)).isEqualTo(acknowledged);
        }
    }

    @Test
    void aFailedForceFailsItsPassAndWritingContinuesInANewSegment() throws Exception {
        JournalOptions options = JournalTesting.small(1).withFiles(layer);
        try (JournalStore store = JournalStore.open(dir, options)) {
            put(store, "before", 1);
            Path failing = files(dir, "state-").get(0);
            store.awaitBackgroundWork(); // the next segment is prepared: only the pass forces now
            layer.forceFailures.set(1);
            assertThatThrownBy(() -> await(store.state().write(WriteBatch.put(key("unforced", 1), bytes("x")))))
                    .hasCauseInstanceOf(StoreException.class).hasMessageContaining("Input/output error");
            put(store, "after", 1);
            // the segment that failed was sealed right after its last durable record
            List<Long> starts = JournalRecoveryTest.recordStarts(failing);
            assertThat(starts).hasSize(1);
            assertThat(sealAfter(failing, starts.get(0))).isTrue();
            assertThat(live(store)).isEqualTo(acknowledged);
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            assertThat(live(store)).isEqualTo(acknowledged);
        }
    }

    @Test
    void eventAppendsFailOnAFullDiskWhileReadsOfEarlierEventsWork() throws Exception {
        JournalOptions options = JournalTesting.small(2).withPreallocate(false).withFiles(layer);
        List<EventRecord> durable = new ArrayList<>();
        try (JournalStore store = JournalStore.open(dir, options)) {
            for (long s = 0; s < 10; s++) {
                EventRecord e = event(s, s * 10, 100 + s, "event-" + s);
                await(store.events().append(1, e));
                durable.add(e);
            }
            layer.diskFull = true;
            CompletableFuture<Void> lost = store.events().append(1, event(10, 100, 110, "lost"));
            assertThatThrownBy(() -> await(lost)).hasCauseInstanceOf(StoreException.class)
                    .hasMessageContaining("journal (events, events-").hasMessageContaining(FaultyFileLayer.NO_SPACE);
            assertThat(events(store, 1)).usingRecursiveFieldByFieldElementComparator().isEqualTo(durable);
            assertThat(store.events().last(1).sequenceNumber()).isEqualTo(9);

            layer.diskFull = false;
            EventRecord next = event(11, 110, 111, "after");
            await(store.events().append(1, next));
            durable.add(next);
            assertThat(events(store, 1)).usingRecursiveFieldByFieldElementComparator().isEqualTo(durable);
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(2).withPreallocate(false))) {
            assertThat(events(store, 1)).usingRecursiveFieldByFieldElementComparator().isEqualTo(durable);
        }
    }

    @Test
    void writesQueuedWhileAForceIsInFlightShareTheNextForce() throws Exception {
        JournalOptions options = JournalOptions.defaults(1).withSync(SyncPolicy.always()).withSegmentSize(1 << 20)
                .withSpareSegments(0).withFiles(layer);
        try (JournalStore store = JournalStore.open(dir, options)) {
            put(store, "warm-up", 0); // the first segment exists
            store.awaitBackgroundWork(); // and the next one is prepared: from now on only passes force
            CountDownLatch inForce = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean held = new AtomicBoolean();
            layer.beforeForce = () -> {
                if (held.compareAndSet(false, true)) {
                    inForce.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            int forcesBefore = layer.forces.get();
            long passesBefore = store.stats().passes();
            List<Integer> completed = new ArrayList<>();
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            futures.add(write(store, 0, completed));
            assertThat(inForce.await(30, TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i <= 500; i++) {
                futures.add(write(store, i, completed));
            }
            release.countDown();
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

            assertThat(layer.forces.get() - forcesBefore).as("forces for 501 writes").isEqualTo(2);
            assertThat(store.stats().passes() - passesBefore).isEqualTo(2);
            synchronized (completed) {
                assertThat(completed).hasSize(501).isSorted();
            }
        }
    }

    @Test
    void withSyncNeverNothingIsForcedAndTheStoreSaysItIsNotDurable() throws Exception {
        JournalOptions options = JournalTesting.small(1).withSync(SyncPolicy.never()).withFiles(layer);
        try (JournalStore store = JournalStore.open(dir, options)) {
            int before = layer.forces.get();
            for (int i = 0; i < 200; i++) {
                put(store, "fast", i);
            }
            assertThat(store.isDurable()).isFalse();
            assertThat(layer.forces.get()).isEqualTo(before);
            assertThat(store.stats().forces()).isZero();
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            assertThat(store.isDurable()).isTrue();
            assertThat(live(store)).isEqualTo(acknowledged); // a clean close loses nothing even without forces
        }
    }

    /** True when the record at {@code start} is followed by a seal. */
    private static boolean sealAfter(Path file, long start) throws Exception {
        try (JournalChannel channel = NioFileLayer.INSTANCE.open(file, false)) {
            long id = SegmentNames.parse(file).id();
            RecordReader reader = new RecordReader(4096);
            reader.check(channel, start, channel.size(), id, Integer.MAX_VALUE);
            long next = start + reader.checkedLength;
            return reader.check(channel, next, channel.size(), id, Integer.MAX_VALUE) == RecordReader.Status.VALID
                    && reader.buffer().get(reader.offsetOf(next) + RecordFormat.TYPE) == RecordFormat.SEAL;
        }
    }

    private void put(JournalStore store, String owner, int id) throws Exception {
        StateKey k = key(owner, id);
        await(store.state().write(WriteBatch.put(k, bytes(owner + id))));
        acknowledged.put(k, owner + id);
    }

    private static CompletableFuture<Void> write(JournalStore store, int i, List<Integer> completed) {
        return store.state().write(WriteBatch.put(key("grouped", i), bytes("g" + i))).whenComplete((ok, e) -> {
            synchronized (completed) {
                completed.add(i);
            }
        });
    }
}
