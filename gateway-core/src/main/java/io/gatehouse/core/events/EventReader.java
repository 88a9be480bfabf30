package io.gatehouse.core.events;

/** A reader of one partition: events are pushed to its sink while it has credit. Thread-safe. */
public interface EventReader extends AutoCloseable {

    int partition();

    /** Allows {@code credit} more events. */
    void addCredit(int credit);

    /** The sequence number of the next event this reader will deliver. */
    long nextSequenceNumber();

    @Override
    void close();
}
