package io.gatehouse.journal;

import io.gatehouse.core.store.StateKey;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * What the index knows of one key: the key itself, where its current record is (a put, or a delete that must
 * stay), and which segments still hold puts of it. A delete may leave the disk only when no older put of its key
 * remains, or that put would come back to life on the next recovery.
 *
 * <p>There is one entry per queued message, so every field counts: the key is held as its three parts, not as a
 * {@link StateKey} object (32 bytes more), the position within a segment fits an {@code int} (segments are at
 * most 2 GiB), and the segments with puts need neither a count nor, for the usual one, an array. An entry is 48
 * bytes with compressed pointers, 40 with compact object headers.
 */
final class KeyEntry {

    private final long id;
    private final String owner;
    private final byte kindCode;
    boolean tombstone;
    StateSegment segment;
    int position;
    int size;
    /**
     * Segments with puts of this key, oldest first (some may be deleted by now; pruned as they are found): null for
     * none, the segment itself for one, as almost every key has, else an array filled from the front whose unused
     * tail is null. One field, not two, keeps the entry at 40 bytes with compact object headers (JDK 25).
     */
    private Object puts;

    KeyEntry(StateKey key, String owner) {
        this.kindCode = (byte) key.kindCode();
        this.owner = owner;
        this.id = key.id();
    }

    KeyEntry(StateKey key) {
        this(key, key.owner());
    }

    /** A new key object equal to this entry's key. */
    StateKey key() {
        return StateKey.decode(kindCode, owner, id);
    }

    boolean hasKey(StateKey key) {
        return id == key.id() && kindCode == key.kindCode() && owner.equals(key.owner());
    }

    /** The key's hash as {@link #hash(StateKey)} gives it, without a key object. */
    int keyHash() {
        return hash(kindCode, owner, id);
    }

    static int hash(StateKey key) {
        return hash(key.kindCode(), key.owner(), key.id());
    }

    /**
     * Mixes all three parts (a 64-bit finalizer) rather than summing them: with the usual {@code 31 * h + x}, a
     * device's ids are consecutive and the next device's owner hashes 31 higher, so its key 1 collides exactly with
     * the previous device's key 32; in a linear-probing table such keys form long runs. Here, 10,000 devices with
     * 50 keys each need 1.46 probes per insert instead of 2.03.
     */
    private static int hash(int kindCode, String owner, long id) {
        long x = (((long) owner.hashCode() << 32) | kindCode) * 0x9E3779B97F4A7C15L + id;
        x = (x ^ (x >>> 33)) * 0xFF51AFD7ED558CCDL;
        x = (x ^ (x >>> 33)) * 0xC4CEB9FE1A85EC53L;
        x ^= x >>> 33;
        return (int) (x ^ (x >>> 32));
    }

    void addPut(StateSegment segment) {
        prune();
        if (puts == null) {
            puts = segment;
        } else if (puts instanceof StateSegment only) {
            if (only != segment) {
                puts = new StateSegment[] {only, segment, null};
            }
        } else {
            StateSegment[] list = (StateSegment[]) puts;
            int count = count(list);
            for (int i = 0; i < count; i++) {
                if (list[i] == segment) {
                    return;
                }
            }
            if (count == list.length) {
                list = Arrays.copyOf(list, count * 2);
                puts = list;
            }
            list[count] = segment;
        }
    }

    /** True when a segment other than {@code except} still holds a put of this key. */
    boolean hasPutsOutside(StateSegment except) {
        prune();
        if (puts instanceof StateSegment only) {
            return only != except;
        }
        return puts != null; // a list holds at least two segments, so one is not except
    }

    /** Calls {@code action} for every existing segment other than {@code except} holding a put of this key. */
    void forEachPutOutside(StateSegment except, Consumer<StateSegment> action) {
        prune();
        if (puts instanceof StateSegment only) {
            if (only != except) {
                action.accept(only);
            }
        } else if (puts != null) {
            StateSegment[] list = (StateSegment[]) puts;
            for (int i = 0, n = count(list); i < n; i++) {
                if (list[i] != except) {
                    action.accept(list[i]);
                }
            }
        }
    }

    private static int count(StateSegment[] list) {
        int n = 0;
        while (n < list.length && list[n] != null) {
            n++;
        }
        return n;
    }

    /** Forgets deleted segments, keeping the order; a list left with one segment gives way to that segment. */
    private void prune() {
        if (puts instanceof StateSegment only) {
            if (only.deleted) {
                puts = null;
            }
            return;
        }
        if (puts == null) {
            return;
        }
        StateSegment[] list = (StateSegment[]) puts;
        int count = count(list);
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if (!list[i].deleted) {
                list[kept++] = list[i];
            }
        }
        Arrays.fill(list, kept, count, null);
        puts = kept == 0 ? null : kept == 1 ? list[0] : list;
    }
}
