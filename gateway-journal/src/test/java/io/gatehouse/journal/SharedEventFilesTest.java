package io.gatehouse.journal;

import static io.gatehouse.journal.JournalTesting.await;
import static io.gatehouse.journal.JournalTesting.event;
import static io.gatehouse.journal.JournalTesting.events;
import static io.gatehouse.journal.JournalTesting.files;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.store.EventRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The events of all partitions share one series of files: one force per pass, retention once all partitions are done. */
class SharedEventFilesTest {

    private static final int PARTITIONS = 4;

    @TempDir
    Path dir;

    @Test
    void aPassOfEventsForcesOneFileHoweverManyPartitionsItCarries() throws Exception {
        List<int[]> passes = new CopyOnWriteArrayList<>();
        List<List<EventRecord>> appended = emptyLists();
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(PARTITIONS).withSync(SyncPolicy.always()))) {
            store.observePasses((records, forces, nanos, wait) -> passes.add(new int[] {records, forces}));
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (int round = 0; round < 50; round++) {
                for (int p = 0; p < PARTITIONS; p++) {
                    EventRecord e = event(round, round * 100L, 1_000 + round, "p" + p + "-" + round);
                    pending.add(store.events().append(p, e));
                    appended.get(p).add(e);
                }
            }
            for (CompletableFuture<Void> f : pending) {
                await(f);
            }
            for (int p = 0; p < PARTITIONS; p++) {
                assertThat(events(store, p)).usingRecursiveFieldByFieldElementComparator().isEqualTo(appended.get(p));
            }
        }
        assertThat(passes.stream().mapToInt(pass -> pass[0]).sum()).isEqualTo(50 * PARTITIONS);
        assertThat(passes).allSatisfy(pass -> assertThat(pass[1]).as("files forced by one pass").isEqualTo(1));
        assertThat(passes).anySatisfy(pass -> assertThat(pass[0]).as("records of one pass").isGreaterThan(1));
        assertThat(files(dir, "event-")).isEmpty();
    }

    @Test
    void aFileStaysWhileAnyPartitionStillNeedsItAndGoesWhenNoneDoes() throws Exception {
        List<List<EventRecord>> appended = emptyLists();
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(2))) {
            for (int i = 0; i < 1200; i++) {
                int p = i % 2;
                EventRecord e = event(i / 2, i * 100L, 10_000 + i, "event-" + i + "-" + "z".repeat(100));
                await(store.events().append(p, e));
                appended.get(p).add(e);
            }
            int before = files(dir, "events-").size();
            assertThat(before).isGreaterThan(4);
            long cutoff = 10_000 + 900;

            store.events().removeBefore(0, cutoff);
            assertThat(files(dir, "events-")).as("partition 1 still holds its events there").hasSize(before);
            assertThat(store.events().first(0).enqueuedTimeMillis()).isGreaterThan(10_000 + 100).isLessThanOrEqualTo(cutoff);
            assertThat(store.events().first(1).enqueuedTimeMillis()).isEqualTo(10_001);

            store.events().removeBefore(1, cutoff);
            assertThat(files(dir, "events-").size()).isLessThan(before);
            for (int p = 0; p < 2; p++) {
                long first = store.events().first(p).sequenceNumber();
                assertThat(events(store, p)).usingRecursiveFieldByFieldElementComparator()
                        .isEqualTo(appended.get(p).subList((int) first, appended.get(p).size()));
            }
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(2))) {
            for (int p = 0; p < 2; p++) {
                long first = store.events().first(p).sequenceNumber();
                assertThat(first).isPositive();
                assertThat(events(store, p)).usingRecursiveFieldByFieldElementComparator()
                        .isEqualTo(appended.get(p).subList((int) first, appended.get(p).size()));
            }
        }
    }

    private static List<List<EventRecord>> emptyLists() {
        List<List<EventRecord>> lists = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            lists.add(new ArrayList<>());
        }
        return lists;
    }
}
