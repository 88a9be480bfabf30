package io.gatehouse.journal;

import static io.gatehouse.journal.JournalTesting.await;
import static io.gatehouse.journal.JournalTesting.bytes;
import static io.gatehouse.journal.JournalTesting.event;
import static io.gatehouse.journal.JournalTesting.key;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.store.WriteBatch;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pass observer sees every committed record, the files forced, how long forcing took and how long writes waited. */
class PassObserverTest {

    private record Pass(int records, int forces, long forceNanos, long waitNanos) { }

    @TempDir
    Path dir;

    @Test
    void reportsRecordsForcesAndWaitsOfDurablePasses() throws Exception {
        long[] elapsed = new long[1];
        List<Pass> passes = observe(SyncPolicy.always(), journal -> {
            long start = System.nanoTime();
            await(journal.state().write(WriteBatch.put(key("d", 1), bytes("a"))));
            await(journal.events().append(0, event(0, 0, 1, "e0")));
            await(journal.events().append(1, event(0, 0, 1, "e1")));
            elapsed[0] = System.nanoTime() - start;
        });

        assertThat(passes.stream().mapToInt(Pass::records).sum()).isEqualTo(3);
        assertThat(passes).allSatisfy(p -> {
            assertThat(p.forces()).isBetween(1, p.records());
            assertThat(p.forceNanos()).isPositive();
            assertThat(p.waitNanos()).as("queued, then taken by the pass").isPositive().isLessThan(elapsed[0]);
        });
    }

    @Test
    void aWriteQueuedWhileAPassIsUnderWayWaitsForItToEnd() throws Exception {
        List<Pass> passes = new CopyOnWriteArrayList<>();
        CountDownLatch inFirstPass = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (JournalStore journal = JournalStore.open(dir, JournalTesting.small(2).withSync(SyncPolicy.always()))) {
            journal.observePasses((records, forces, nanos, wait) -> {
                passes.add(new Pass(records, forces, nanos, wait));
                if (passes.size() == 1) {
                    inFirstPass.countDown(); // the observer runs on the appender: the first pass is held here
                    awaitUninterruptibly(release);
                }
            });
            CompletableFuture<Void> first = journal.state().write(WriteBatch.put(key("d", 1), bytes("a")));
            assertThat(inFirstPass.await(30, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> queued = journal.state().write(WriteBatch.put(key("d", 2), bytes("b")));
            long queuedBy = System.nanoTime();
            assertThat(queued).as("held behind the first pass").isNotDone();
            long releasedAt = System.nanoTime();
            release.countDown();
            await(first);
            await(queued);

            assertThat(passes).hasSize(2);
            assertThat(passes.get(1).waitNanos()).as("queued before the first pass ended, taken after")
                    .isGreaterThanOrEqualTo(releasedAt - queuedBy);
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void reportsNoForcesWhenNeverSyncing() throws Exception {
        List<Pass> passes = observe(SyncPolicy.never(),
                journal -> await(journal.state().write(WriteBatch.put(key("d", 1), bytes("a")))));

        assertThat(passes).extracting(Pass::records).containsExactly(1);
        assertThat(passes).extracting(Pass::forces).containsExactly(0);
    }

    private interface Work {
        void run(JournalStore journal) throws Exception;
    }

    private List<Pass> observe(SyncPolicy sync, Work work) throws Exception {
        List<Pass> passes = new CopyOnWriteArrayList<>();
        try (JournalStore journal = JournalStore.open(dir, JournalTesting.small(2).withSync(sync))) {
            journal.observePasses((records, forces, nanos, wait) -> passes.add(new Pass(records, forces, nanos, wait)));
            work.run(journal);
        }
        return passes;
    }
}
