package io.gatehouse.core.events;

import java.time.Instant;

/**
 * What Event Hubs calls partition runtime information. When the partition never held an event, the sequence
 * numbers and the offset are -1 and {@code lastEnqueuedTime} is null.
 */
public record PartitionInfo(int partition, long beginningSequenceNumber, long lastSequenceNumber,
                            long lastOffset, Instant lastEnqueuedTime, boolean isEmpty) {
}
