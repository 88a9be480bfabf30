package io.gatehouse.core.store;

import java.util.Objects;

/**
 * One stored D2C event as the event log sees it: its position in its partition (sequence number and
 * offset), when it was enqueued, and the encoded event. Offsets grow with the encoded size, so they are
 * strictly increasing but not consecutive.
 */
public record EventRecord(long sequenceNumber, long offset, long enqueuedTimeMillis, byte[] payload) {

    public EventRecord {
        Objects.requireNonNull(payload, "payload");
    }
}
