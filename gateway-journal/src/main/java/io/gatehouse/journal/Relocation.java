package io.gatehouse.journal;

import io.gatehouse.core.store.WriteBatch;

/**
 * Compaction's copy of still-current state records (live puts and needed tombstones) of a mostly dead
 * segment, written at the head of the state stream so the old segment can go.
 */
final class Relocation extends StateWrite {

    final StateSegment source;

    Relocation(WriteBatch batch, StateSegment source) {
        super(batch);
        this.source = source;
    }

    @Override
    boolean isRelocation() {
        return true;
    }
}
