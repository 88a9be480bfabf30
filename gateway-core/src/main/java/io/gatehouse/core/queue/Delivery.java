package io.gatehouse.core.queue;

import io.gatehouse.core.model.LockToken;

/**
 * A message handed to a receiver under a lock. {@code deliveryCount} counts this delivery too (the first
 * delivery has count 1); AMQP's {@code delivery-count} header, which counts earlier failed attempts, is
 * {@code deliveryCount - 1}.
 */
public record Delivery(LockToken lockToken, int deliveryCount, QueueMessage message) {
}
