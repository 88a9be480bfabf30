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
    /**
     * Segments with puts of this key, oldest first (some may be deleted by now; pruned as they are found): the
     * first in a field of its own, since almost every key has just one and an array would cost each key 24 bytes.
     */
    private StateSegment firstPut;
    private StateSegment[] morePuts = NONE;
    private int moreCount;

    KeyEntry(StateKey key) {
        this.key = key;
    }

    void addPut(StateSegment segment) {
        prune();
        if (firstPut == null) {
            firstPut = segment;
            return;
        }
        if (firstPut == segment) {
            return;
        }
        for (int i = 0; i < moreCount; i++) {
            if (morePuts[i] == segment) {
                return;
            }
        }
        if (moreCount == morePuts.length) {
            morePuts = Arrays.copyOf(morePuts, Math.max(2, moreCount * 2));
        }
        morePuts[moreCount++] = segment;
    }

    /** True when a segment other than {@code except} still holds a put of this key. */
    boolean hasPutsOutside(StateSegment except) {
        prune();
        if (firstPut != null && firstPut != except) {
            return true;
        }
        for (int i = 0; i < moreCount; i++) {
            if (morePuts[i] != except) {
                return true;
            }
        }
        return false;
    }

    /** Calls {@code action} for every existing segment other than {@code except} holding a put of this key. */
    void forEachPutOutside(StateSegment except, java.util.function.Consumer<StateSegment> action) {
        prune();
        if (firstPut != null && firstPut != except) {
            action.accept(firstPut);
        }
        for (int i = 0; i < moreCount; i++) {
            if (morePuts[i] != except) {
                action.accept(morePuts[i]);
            }
        }
    }

    /** Forgets deleted segments, keeping the order; the first remaining one moves into {@link #firstPut}. */
    private void prune() {
        int kept = 0;
        for (int i = 0; i < moreCount; i++) {
            if (!morePuts[i].deleted) {
                morePuts[kept++] = morePuts[i];
            }
        }
        for (int i = kept; i < moreCount; i++) {
            morePuts[i] = null;
        }
        moreCount = kept;
        if (firstPut != null && firstPut.deleted) {
            firstPut = null;
        }
        if (firstPut == null && moreCount > 0) {
            firstPut = morePuts[0];
            System.arraycopy(morePuts, 1, morePuts, 0, moreCount - 1);
            morePuts[--moreCount] = null;
        }
    }
}
