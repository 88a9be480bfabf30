package io.gatehouse.core.events;

import java.time.Instant;

/**
 * What Event Hubs calls partition runtime information. When the partition is empty, the last fields are -1
 * and {@code lastEnqueuedTime} is null.
 */
public record PartitionInfo(int partition, long beginningSequenceNumber, long lastSequenceNumber,
                            long lastOffset, Instant lastEnqueuedTime, boolean isEmpty) {
}
