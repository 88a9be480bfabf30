package io.gatehouse.journal;

import io.gatehouse.core.store.WriteBatch;

/** A {@link WriteBatch} on its way to the state stream. */
class StateWrite extends PendingOp {

    final WriteBatch batch;
    /** Encoded size of each operation of the batch (computed by the appender, used for live-byte accounting). */
    int[] opSizes;

    StateWrite(WriteBatch batch) {
        this.batch = batch;
    }

    /** True for compaction's copies of live records: they move entries instead of changing them. */
    boolean isRelocation() {
        return false;
    }
}
