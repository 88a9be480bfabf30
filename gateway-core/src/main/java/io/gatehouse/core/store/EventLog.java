package io.gatehouse.core.store;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The partitioned, append-only log of D2C events; it answers reads by position (sequence number, offset,
 * enqueued time: strictly increasing per partition, enqueued times non-decreasing).
 *
 * <p>Who numbers the events depends on the log. A log that only this process writes (the journal, memory)
 * lets the core assign the positions and stores them ({@link #append(int, EventRecord)}). A log that several
 * gateway nodes append to cannot: it {@link #assignsPositions() assigns them itself}
 * ({@link #appendAssigned}), and tells the core about events other nodes appended ({@link #onAppended}).
 *
 * <p>Appends to one partition become durable and complete in the order they were made. Appending never
 * blocks on I/O. Reads may touch the disk or the network: never call them on an event loop.
 */
public interface EventLog {

    int partitions();

    /** Why appends are refused for now (the engine is unreachable), or empty while it takes them. */
    default Optional<String> unavailability() {
        return Optional.empty();
    }

    /**
     * Appends {@code record}, numbered by the core, to {@code partition}; the future completes when it is
     * durable. Appends to one partition arrive in sequence order (the core serialises them). Only for logs
     * that do not {@link #assignsPositions() assign positions}.
     */
    CompletableFuture<Void> append(int partition, EventRecord record);

    /**
     * True when the log numbers events itself: the core then appends with {@link #appendAssigned} and never
     * with {@link #append(int, EventRecord)}.
     */
    default boolean assignsPositions() {
        return false;
    }

    /**
     * Appends an encoded event to {@code partition}; the log chooses its sequence number, offset and
     * enqueued time. The future completes with the stored record once it is durable.
     */
    default CompletableFuture<EventRecord> appendAssigned(int partition, byte[] payload) {
        throw new UnsupportedOperationException("this event log stores the positions the core assigns");
    }

    /**
     * Registers the one listener told when events that were not appended through this instance (another
     * gateway node's) become readable. Logs that only this process writes never call it.
     */
    default void onAppended(AppendListener listener) {
    }

    /**
     * Up to {@code maxEvents} durable events of {@code partition} with sequence numbers from
     * {@code fromSequence} on, in order; empty when there are none (yet). Events removed by retention are
     * skipped: the first returned may be later than asked.
     */
    List<EventRecord> read(int partition, long fromSequence, int maxEvents);

    /** The oldest retained event, or null when the partition holds none. Cheap: no I/O. */
    EventRecord first(int partition);

    /**
     * The newest appended event, or null when the partition never held one. Cheap: no I/O. Retention never
     * removes the newest event, so after a restart the core continues its sequence numbers from here.
     */
    EventRecord last(int partition);

    /** The sequence number of the first retained event with {@code offset >= offset}, or -1 when none. */
    long sequenceAtOffset(int partition, long offset);

    /** The sequence number of the first retained event enqueued at or after {@code epochMillis}, or -1. */
    long sequenceAtTime(int partition, long epochMillis);

    /**
     * Removes events enqueued before {@code epochMillis} (retention). Implementations may keep some older
     * events (they delete whole segments) but never remove a newer one, nor the newest event of all. A log
     * that applies a retention of its own may ignore the cutoff and only refresh what it knows of its oldest
     * event. Called periodically, off the event loops.
     */
    void removeBefore(int partition, long epochMillis);

    /** Told that {@code partition} holds readable events up to and including {@code lastSequence}. */
    @FunctionalInterface
    interface AppendListener {
        void appended(int partition, long lastSequence);
    }
}
