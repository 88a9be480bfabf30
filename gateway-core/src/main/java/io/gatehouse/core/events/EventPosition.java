package io.gatehouse.core.events;

import java.time.Instant;

/** Where an appended event landed. */
public record EventPosition(int partition, long sequenceNumber, long offset, Instant enqueuedTime) {
}
