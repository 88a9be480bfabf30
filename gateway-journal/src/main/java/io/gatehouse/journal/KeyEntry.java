package io.gatehouse.journal;

import io.gatehouse.core.store.StateKey;
import java.util.Arrays;

/**
 * What the index knows of one key: where its current record is (a put, or a delete that must stay), and
 * which segments still hold puts of it. A delete may leave the disk only when no older put of its key
 * remains, or that put would come back to life on the next recovery.
 */
final class KeyEntry {

    private static final StateSegment[] NONE = new StateSegment[0];

    final StateKey key;
    StateSegment segment;
    long position;
    int size;
    boolean tombstone;
    /** Segments with puts of this key (some may be deleted by now; pruned as they are found). */
    private StateSegment[] puts = NONE;
    private int putCount;

    KeyEntry(StateKey key) {
        this.key = key;
    }

    void addPut(StateSegment segment) {
        prune();
        for (int i = 0; i < putCount; i++) {
            if (puts[i] == segment) {
                return;
            }
        }
        if (putCount == puts.length) {
            puts = Arrays.copyOf(puts, Math.max(2, putCount * 2));
        }
        puts[putCount++] = segment;
    }

    /** True when a segment other than {@code except} still holds a put of this key. */
    boolean hasPutsOutside(StateSegment except) {
        prune();
        for (int i = 0; i < putCount; i++) {
            if (puts[i] != except) {
                return true;
            }
        }
        return false;
    }

    /** Calls {@code action} for every existing segment other than {@code except} holding a put of this key. */
    void forEachPutOutside(StateSegment except, java.util.function.Consumer<StateSegment> action) {
        prune();
        for (int i = 0; i < putCount; i++) {
            if (puts[i] != except) {
                action.accept(puts[i]);
            }
        }
    }

    private void prune() {
        int kept = 0;
        for (int i = 0; i < putCount; i++) {
            if (!puts[i].deleted) {
                puts[kept++] = puts[i];
            }
        }
        for (int i = kept; i < putCount; i++) {
            puts[i] = null;
        }
        putCount = kept;
    }
}
