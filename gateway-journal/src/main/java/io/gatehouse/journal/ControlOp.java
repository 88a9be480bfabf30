package io.gatehouse.journal;

/**
 * Work that must run on the appender thread between two passes, when the in-memory index matches the disk
 * exactly: snapshots for {@code forEachLive}, compaction's relocation, close.
 */
final class ControlOp extends PendingOp {

    private Runnable action;
    final boolean close;

    ControlOp(Runnable action, boolean close) {
        this.action = action;
        this.close = close;
    }

    /**
     * Runs the action once and lets go of it: the appender's queue keeps the last operation it took until another
     * arrives, and a snapshot's action holds a list of every live key (65 bytes per queued message).
     */
    void run() {
        Runnable once = action;
        action = null;
        once.run();
    }
}
