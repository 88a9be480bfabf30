package io.gatehouse.journal;

import io.gatehouse.core.store.StateKey;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The keys a read seeks in one record, and the last value each has there, found by the parts of a key as they lie
 * in the record's buffer: no key or owner string is built for the operations passed over.
 *
 * <p>A record is one write batch: usually one queue's, but compaction copies a segment's live values into records
 * of many keys (a chunk of {@code Compactor}'s), so after it a record may hold the messages of hundreds of queues
 * and a read may want hundreds of them. The keys are kept in an open-addressing table on a hash of their parts,
 * which the buffer's bytes give without decoding. Reused from record to record; not thread-safe.
 */
final class WantedKeys {

    private StateKey[] keys = new StateKey[16];
    private int[] hashes = new int[16];
    /** The slot each key took, so that clearing touches only those. */
    private int[] slotOf = new int[16];
    private byte[][] values = new byte[16][];
    private int size;
    /** Open addressing: each slot holds a key's place in {@link #keys} plus one, or 0. */
    private int[] slots = new int[32];

    void clear() {
        Arrays.fill(keys, 0, size, null);
        Arrays.fill(values, 0, size, null);
        for (int i = 0; i < size; i++) {
            slots[slotOf[i]] = 0;
        }
        size = 0;
    }

    /** Adds a key sought (each at most once between clears). */
    void add(StateKey key) {
        if (size == keys.length) {
            grow();
        }
        int hash = hash(key.kindCode(), key.id(), OwnerStrings.hash(key.owner()));
        keys[size] = key;
        hashes[size] = hash;
        size++;
        place(size - 1, hash);
    }

    int size() {
        return size;
    }

    StateKey key(int index) {
        return keys[index];
    }

    /** The last value recorded for the key at {@code index}: null if none, or if its last operation was a delete. */
    byte[] value(int index) {
        return values[index];
    }

    /**
     * Records an operation of the record if its key is wanted: a put's value ({@code valueStart} as the codec gives
     * it), or a delete.
     */
    void offer(int kindCode, ByteBuffer buf, int ownerAt, int ownerLength, long id, int valueStart, int valueLength) {
        int hash = hash(kindCode, id, OwnerStrings.hash(buf, ownerAt, ownerLength));
        int mask = slots.length - 1;
        for (int slot = spread(hash) & mask; slots[slot] != 0; slot = (slot + 1) & mask) {
            int index = slots[slot] - 1;
            StateKey key = keys[index];
            if (hashes[index] == hash && key.id() == id && key.kindCode() == kindCode
                    && OwnerStrings.matches(key.owner(), buf, ownerAt, ownerLength)) {
                values[index] = valueStart < 0 ? null : StateRecordCodec.value(buf, valueStart, valueLength);
                return;
            }
        }
    }

    private void place(int index, int hash) {
        int mask = slots.length - 1;
        int slot = spread(hash) & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        slots[slot] = index + 1;
        slotOf[index] = slot;
    }

    /** Doubles the arrays and the table (kept at most half full), placing every key again. */
    private void grow() {
        keys = Arrays.copyOf(keys, keys.length * 2);
        hashes = Arrays.copyOf(hashes, hashes.length * 2);
        values = Arrays.copyOf(values, values.length * 2);
        slotOf = Arrays.copyOf(slotOf, slotOf.length * 2);
        slots = new int[slots.length * 2];
        for (int i = 0; i < size; i++) {
            place(i, hashes[i]);
        }
    }

    private static int hash(int kindCode, long id, int ownerHash) {
        return 31 * (31 * ownerHash + Long.hashCode(id)) + kindCode;
    }

    private static int spread(int hash) {
        return hash ^ (hash >>> 16);
    }
}
