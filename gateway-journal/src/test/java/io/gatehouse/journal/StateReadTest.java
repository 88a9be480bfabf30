package io.gatehouse.journal;

import static io.gatehouse.journal.JournalTesting.await;
import static io.gatehouse.journal.JournalTesting.bytes;
import static io.gatehouse.journal.JournalTesting.key;
import static io.gatehouse.journal.JournalTesting.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.WriteBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code StateStore.read} finds values where compaction moved them, even when it moves them during the read. */
class StateReadTest {

    @TempDir
    Path dir;

    @Test
    void aValueCompactionRelocatedIsReadFromItsNewPlace() throws Exception {
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            List<StateKey> keepers = writeKeepersAmidChurn(store, 0, 4000);
            JournalStateStore state = (JournalStateStore) store.state();
            List<StateIndex.LivePut> before = state.snapshot();

            ReclaimAndCompactionTest.awaitQuiet(store);

            assertThat(store.stats().compactions()).isPositive();
            List<StateIndex.LivePut> after = state.snapshot();
            assertThat(after).as("compaction moved keepers").isNotEqualTo(before);
            assertThat(texts(await(state.read(keepers)))).isEqualTo(expected(keepers));
        }
    }

    @Test
    void aPlaceInASegmentReclaimedSinceIsHandedBackToBeLookedUpAgain() throws Exception {
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            writeKeepersAmidChurn(store, 0, 4000);
            List<StateIndex.LivePut> stale = ((JournalStateStore) store.state()).snapshot();
            ReclaimAndCompactionTest.awaitQuiet(store);

            Map<StateKey, String> visited = new HashMap<>();
            List<StateIndex.LivePut> retired = new LiveValueReader(new RecordReader(4096), 1024).read(stale, (k, v) -> visited.put(k, text(v)));

            assertThat(retired).as("puts in reclaimed segments").isNotEmpty()
                    .allSatisfy(put -> assertThat(put.segment().retired).isTrue());
            assertThat(visited).hasSize(stale.size() - retired.size());
            visited.forEach((k, v) -> assertThat(v).isEqualTo(valueOf(k)));
        }
    }

    @Test
    void readsDuringCompactionAlwaysReturnTheCurrentValues() throws Exception {
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            List<StateKey> keepers = writeKeepersAmidChurn(store, 0, 2000);
            AtomicBoolean churning = new AtomicBoolean(true);
            CompletableFuture<Integer> reads = CompletableFuture.supplyAsync(() -> {
                int rounds = 0;
                while (churning.get() || rounds == 0) {
                    assertThat(texts(store.state().read(keepers).join())).isEqualTo(expected(keepers));
                    rounds++;
                }
                return rounds;
            });
            for (int round = 1; round <= 6; round++) {
                churn(store, round * 2000, round * 2000 + 2000);
                ReclaimAndCompactionTest.awaitQuiet(store);
            }
            churning.set(false);

            assertThat(await(reads)).isPositive();
            assertThat(store.stats().compactions()).isGreaterThan(3);
        }
    }

    @Test
    void keysOfOneRecordAreToldApartByKindOwnerAndIdAndTheLastPutWins() throws Exception {
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            StateKey message = StateKey.of(RecordKind.C2D_MESSAGE, "dévice-1", 7);
            StateKey count = StateKey.of(RecordKind.C2D_DELIVERY_COUNT, "dévice-1", 7); // same owner and id, other kind
            StateKey otherId = StateKey.of(RecordKind.C2D_MESSAGE, "dévice-1", 8);
            StateKey otherOwner = StateKey.of(RecordKind.C2D_MESSAGE, "dévice-2", 7); // same length in UTF-8
            StateKey ascii = StateKey.of(RecordKind.C2D_MESSAGE, "device-1", 7);
            StateKey gone = StateKey.of(RecordKind.C2D_MESSAGE, "device-1", 9);
            await(store.state().write(new WriteBatch()
                    .andPut(message, bytes("first")).andPut(count, bytes("count"))
                    .andPut(otherId, bytes("other id")).andPut(otherOwner, bytes("other owner"))
                    .andPut(ascii, bytes("ascii")).andPut(gone, bytes("deleted below"))
                    .andPut(message, bytes("second"))));
            await(store.state().write(WriteBatch.delete(gone)));

            List<StateKey> asked = List.of(ascii, otherOwner, message, gone, count, otherId,
                    StateKey.of(RecordKind.C2D_MESSAGE, "never-written", 7));
            assertThat(texts(await(store.state().read(asked))))
                    .containsExactly("ascii", "other owner", "second", null, "count", "other id", null);
        }
    }

    @Test
    void aReadOfHundredsOfKeysOfOneRecordFindsEachOneOnce() throws Exception {
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            // one batch, so one record: 300 queues' messages, the same sequence numbers in every queue
            WriteBatch batch = new WriteBatch();
            List<StateKey> keys = new ArrayList<>();
            for (int device = 0; device < 100; device++) {
                for (long sequence = 1; sequence <= 3; sequence++) {
                    StateKey key = StateKey.of(RecordKind.C2D_MESSAGE, (device % 7 == 0 ? "dé" : "d") + device, sequence);
                    keys.add(key);
                    batch.andPut(key, bytes(key.owner() + "#" + sequence));
                }
            }
            await(store.state().write(batch));

            List<StateKey> asked = new ArrayList<>(keys);
            Collections.shuffle(asked, new Random(7));
            assertThat(texts(await(store.state().read(asked))))
                    .containsExactlyElementsOf(asked.stream().map(k -> k.owner() + "#" + k.id()).toList());
        }
    }

    /** One long-lived record per 50 short-lived ones: segments become mostly dead, and are compacted. */
    private static List<StateKey> writeKeepersAmidChurn(JournalStore store, int from, int to) throws Exception {
        List<StateKey> keepers = new ArrayList<>();
        for (int i = from; i < to; i++) {
            store.state().write(WriteBatch.put(key("churn", i), new byte[200]));
            store.state().write(WriteBatch.delete(key("churn", i)));
            if (i % 50 == 0) {
                StateKey keeper = key("keeper", i);
                keepers.add(keeper);
                store.state().write(WriteBatch.put(keeper, bytes(valueOf(keeper))));
            }
        }
        await(store.state().write(new WriteBatch()));
        return keepers;
    }

    private static void churn(JournalStore store, int from, int to) throws Exception {
        CompletableFuture<Void> last = null;
        for (int i = from; i < to; i++) {
            store.state().write(WriteBatch.put(key("churn", i), new byte[200]));
            last = store.state().write(WriteBatch.delete(key("churn", i)));
        }
        await(last);
    }

    private static String valueOf(StateKey key) {
        return "value of " + key.id();
    }

    private static List<String> expected(List<StateKey> keys) {
        return keys.stream().map(StateReadTest::valueOf).toList();
    }

    private static List<String> texts(List<byte[]> values) {
        return values.stream().map(v -> v == null ? null : text(v)).toList();
    }
}
