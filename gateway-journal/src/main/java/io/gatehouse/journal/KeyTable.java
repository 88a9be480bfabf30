package io.gatehouse.journal;

import io.gatehouse.core.store.StateKey;
import java.util.function.Consumer;

/**
 * The state index's map from key to {@link KeyEntry}: an open-addressing table of the entries themselves
 * (each holds its key's parts), so a key costs one array slot instead of a hash map node of 32 bytes. A hub
 * with a million devices' queues holds tens of millions of keys: this is where memory per queued message is
 * decided. Linear probing, kept at most two-thirds full; removal shifts later entries back (no tombstones).
 * Not thread-safe (the index is confined to the appender).
 */
final class KeyTable {

    private static final int MIN_CAPACITY = 16;

    private KeyEntry[] slots = new KeyEntry[MIN_CAPACITY];
    private int size;

    int size() {
        return size;
    }

    KeyEntry get(StateKey key) {
        KeyEntry[] table = slots;
        int mask = table.length - 1;
        for (int i = home(KeyEntry.hash(key), mask); ; i = (i + 1) & mask) {
            KeyEntry e = table[i];
            if (e == null || e.hasKey(key)) {
                return e;
            }
        }
    }

    /** Adds an entry whose key is not in the table. */
    void add(KeyEntry entry) {
        if ((size + 1) * 3L > slots.length * 2L) {
            resize(slots.length * 2);
        }
        insert(slots, entry);
        size++;
    }

    /** Removes the entry of {@code key}; false when there is none. */
    boolean remove(StateKey key) {
        KeyEntry[] table = slots;
        int mask = table.length - 1;
        int i = home(KeyEntry.hash(key), mask);
        while (table[i] != null && !table[i].hasKey(key)) {
            i = (i + 1) & mask;
        }
        return removeAt(i);
    }

    /** Removes {@code entry} itself; false when it is not in the table (even if another entry of its key is). */
    boolean remove(KeyEntry entry) {
        KeyEntry[] table = slots;
        int mask = table.length - 1;
        int i = home(entry.keyHash(), mask);
        while (table[i] != null && table[i] != entry) {
            i = (i + 1) & mask;
        }
        return removeAt(i);
    }

    private boolean removeAt(int i) {
        KeyEntry[] table = slots;
        int mask = table.length - 1;
        if (table[i] == null) {
            return false;
        }
        // backward shift: move up every later entry of the run that may sit at or before the hole
        int hole = i;
        for (int j = (hole + 1) & mask; table[j] != null; j = (j + 1) & mask) {
            int wanted = home(table[j].keyHash(), mask);
            // the entry at j may fill the hole unless its home lies cyclically within (hole, j]
            boolean homeAfterHole = hole <= j ? hole < wanted && wanted <= j : hole < wanted || wanted <= j;
            if (!homeAfterHole) {
                table[hole] = table[j];
                hole = j;
            }
        }
        table[hole] = null;
        size--;
        if (slots.length > MIN_CAPACITY && size * 8L < slots.length) {
            resize(slots.length / 2);
        }
        return true;
    }

    void forEach(Consumer<KeyEntry> action) {
        for (KeyEntry e : slots) {
            if (e != null) {
                action.accept(e);
            }
        }
    }

    private void resize(int capacity) {
        KeyEntry[] bigger = new KeyEntry[capacity];
        for (KeyEntry e : slots) {
            if (e != null) {
                insert(bigger, e);
            }
        }
        slots = bigger;
    }

    private static void insert(KeyEntry[] table, KeyEntry entry) {
        int mask = table.length - 1;
        int i = home(entry.keyHash(), mask);
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = entry;
    }

    /** A key's first slot: the low bits of its hash, which {@link KeyEntry#hash} has already mixed. */
    private static int home(int keyHash, int mask) {
        return keyHash & mask;
    }
}
