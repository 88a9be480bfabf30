package io.gatehouse.core.events;

/** How far a consumer group has read a partition: the last event it processed. */
public record Checkpoint(String consumerGroup, int partition, long sequenceNumber, long offset) {
}
