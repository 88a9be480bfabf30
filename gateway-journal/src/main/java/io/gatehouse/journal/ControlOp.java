package io.gatehouse.journal;

/**
 * Work that must run on the appender thread between two passes, when the in-memory index matches the disk
 * exactly: snapshots for {@code forEachLive}, compaction's relocation, close.
 */
final class ControlOp extends PendingOp {

    final Runnable action;
    final boolean close;

    ControlOp(Runnable action, boolean close) {
        this.action = action;
        this.close = close;
    }
}
