package io.gatehouse.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The state index's key table, checked against a HashMap through long random runs of adds and removes. */
class KeyTableTest {

    private static StateKey key(int device, long id) {
        return StateKey.of(RecordKind.C2D_MESSAGE, "device-" + device, id);
    }

    @Test
    void behavesLikeAMapThroughGrowthShrinkingAndWrapAround() {
        for (long seed = 1; seed <= 3; seed++) {
            Random random = new Random(seed);
            KeyTable table = new KeyTable();
            Map<StateKey, KeyEntry> model = new HashMap<>();
            // few devices and ids: keys come back after removal, runs of probes form and wrap around
            for (int step = 0; step < 200_000; step++) {
                StateKey k = key(random.nextInt(40), random.nextInt(step < 100_000 ? 2_000 : 50));
                if (random.nextInt(3) > 0 && !model.containsKey(k)) {
                    KeyEntry e = new KeyEntry(k);
                    table.add(e);
                    model.put(k, e);
                } else {
                    assertThat(table.remove(k)).as("seed %d step %d", seed, step).isEqualTo(model.remove(k) != null);
                }
                if (step % 4999 == 0) {
                    assertSame(table, model);
                }
            }
            assertSame(table, model);
        }
    }

    @Test
    void everyEntryIsFoundAfterManyAddsAndNoneAfterTheirRemoval() {
        KeyTable table = new KeyTable();
        List<KeyEntry> entries = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            KeyEntry e = new KeyEntry(key(i % 100, i));
            entries.add(e);
            table.add(e);
        }
        assertThat(table.size()).isEqualTo(100_000);
        for (KeyEntry e : entries) {
            assertThat(table.get(e.key())).isSameAs(e);
        }
        assertThat(table.get(key(1, 100_001))).isNull();
        for (KeyEntry e : entries) {
            assertThat(table.remove(e.key())).isTrue();
        }
        assertThat(table.size()).isZero();
        assertThat(table.get(entries.get(0).key())).isNull();
        assertThat(table.remove(entries.get(0).key())).isFalse();
    }

    @Test
    void anEntryIsRemovedByIdentityNotByAnotherEntryOfItsKey() {
        KeyTable table = new KeyTable();
        KeyEntry stale = new KeyEntry(key(1, 7));
        table.add(stale);
        table.remove(key(1, 7));
        KeyEntry current = new KeyEntry(key(1, 7));
        table.add(current);

        assertThat(table.remove(stale)).isFalse();
        assertThat(table.get(key(1, 7))).isSameAs(current);
        assertThat(table.remove(current)).isTrue();
        assertThat(table.size()).isZero();
    }

    @Test
    void anEntryGivesBackAnEqualKey() {
        StateKey k = StateKey.of(RecordKind.TWIN, "device-\u00e9", Long.MAX_VALUE);
        KeyEntry entry = new KeyEntry(k);
        assertThat(entry.key()).isEqualTo(k);
        assertThat(entry.hasKey(k)).isTrue();
        assertThat(entry.hasKey(StateKey.of(RecordKind.MODULE, "device-\u00e9", Long.MAX_VALUE))).isFalse();
        assertThat(entry.keyHash()).isEqualTo(KeyEntry.hash(k));
    }

    @Test
    void consecutiveIdsOfNeighbouringDevicesDoNotShareHashes() {
        java.util.Set<Integer> hashes = new java.util.HashSet<>();
        for (int device = 0; device < 10_000; device++) {
            String owner = String.format("dev%05d", device);
            for (long id = 1; id <= 50; id++) {
                hashes.add(KeyEntry.hash(StateKey.of(RecordKind.C2D_MESSAGE, owner, id)));
            }
        }
        // 500,000 keys in 2^32 hashes: a few dozen chance collisions, not the 171,000 of a summed hash
        assertThat(hashes).hasSizeGreaterThan(499_900);
    }

    private static void assertSame(KeyTable table, Map<StateKey, KeyEntry> model) {
        assertThat(table.size()).isEqualTo(model.size());
        model.forEach((k, e) -> assertThat(table.get(k)).isSameAs(e));
        Map<StateKey, KeyEntry> listed = new HashMap<>();
        table.forEach(e -> listed.put(e.key(), e));
        assertThat(listed).isEqualTo(model);
    }
}
