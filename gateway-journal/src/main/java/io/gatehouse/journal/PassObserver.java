package io.gatehouse.journal;

/**
 * Told of every group-commit pass, on the appender thread, right after its files were forced: how many
 * records it carried, how many files it forced and how long the forces took. It correlates disk latency
 * with acknowledgement tails; it must return at once (record into a histogram, nothing more).
 */
@FunctionalInterface
public interface PassObserver {

    PassObserver NONE = (records, forces, forceNanos) -> { };

    void passCommitted(int records, int forces, long forceNanos);
}
