package io.gatehouse.journal;

import static io.gatehouse.journal.JournalTesting.await;
import static io.gatehouse.journal.JournalTesting.bytes;
import static io.gatehouse.journal.JournalTesting.event;
import static io.gatehouse.journal.JournalTesting.key;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.store.WriteBatch;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pass observer sees every committed record, the files forced and how long forcing took. */
class PassObserverTest {

    private record Pass(int records, int forces, long forceNanos) { }

    @TempDir
    Path dir;

    @Test
    void reportsRecordsAndForcesOfDurablePasses() throws Exception {
        List<Pass> passes = observe(SyncPolicy.always(), journal -> {
            await(journal.state().write(WriteBatch.put(key("d", 1), bytes("a"))));
            await(journal.events().append(0, event(0, 0, 1, "e0")));
            await(journal.events().append(1, event(0, 0, 1, "e1")));
        });

        assertThat(passes.stream().mapToInt(Pass::records).sum()).isEqualTo(3);
        assertThat(passes).allSatisfy(p -> {
            assertThat(p.forces()).isBetween(1, p.records());
            assertThat(p.forceNanos()).isPositive();
        });
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
            journal.observePasses((records, forces, nanos) -> passes.add(new Pass(records, forces, nanos)));
            work.run(journal);
        }
        return passes;
    }
}
