package io.gatehouse.journal;

/**
 * Told of every group-commit pass, on the appender thread, right after its files were forced: how many
 * records it carried, how many files it forced, how long the forces took, and how long its oldest write had
 * waited for the pass to begin (behind the pass before it, then gathering company). A write's time to durable is
 * about that wait plus the pass, so the two tell a tail of the disk from one of queueing. It must return at once
 * (record into a histogram, nothing more).
 */
@FunctionalInterface
public interface PassObserver {

    PassObserver NONE = (records, forces, forceNanos, waitNanos) -> { };

    /** {@code waitNanos} is 0 for a pass of the journal's own writes only (compaction's relocations). */
    void passCommitted(int records, int forces, long forceNanos, long waitNanos);
}
