package io.gatehouse.core.queue;

import java.time.Duration;

/** The lifecycle parameters of one kind of queue. */
public record QueueSettings(Duration lockDuration, int maxDeliveryCount, int maxDepth) {
}
