package io.gatehouse.journal;

/**
 * Work that must run on the appender thread between two passes, when the in-memory index matches the disk
 * exactly: snapshots for {@code forEachLive}, compaction's relocation, close. A look-up that only reads the
 * index may also run while a pass gathers: the index then describes every durable pass, and nothing of the
 * one gathering, so it need not end that pass early.
 */
final class ControlOp extends PendingOp {

    final Runnable action;
    final boolean close;
    final boolean readsIndexOnly;

    ControlOp(Runnable action, boolean close) {
        this(action, close, false);
    }

    private ControlOp(Runnable action, boolean close, boolean readsIndexOnly) {
        this.action = action;
        this.close = close;
        this.readsIndexOnly = readsIndexOnly;
    }

    /** A look-up in the index, which may run in the middle of a gathering pass. */
    static ControlOp indexLookup(Runnable action) {
        return new ControlOp(action, false, true);
    }
}
