package io.gatehouse.core.store;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The partitioned, append-only log of D2C events. The core assigns sequence numbers, offsets and
 * enqueued times (strictly increasing per partition, enqueued times non-decreasing); the log stores them
 * and answers reads by position.
 *
 * <p>Appends to one partition arrive in sequence order (the core serialises them) and become durable and
 * complete in that order. {@link #append} never blocks on I/O. Reads may touch the disk: never call them on
 * an event loop.
 */
public interface EventLog {

    int partitions();

    /** Appends {@code record} to {@code partition}; the future completes when it is durable. */
    CompletableFuture<Void> append(int partition, EventRecord record);

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
     * events (they delete whole segments) but never remove a newer one, nor the newest event of all.
     */
    void removeBefore(int partition, long epochMillis);
}
