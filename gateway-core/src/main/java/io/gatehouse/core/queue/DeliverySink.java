package io.gatehouse.core.queue;

import io.gatehouse.core.model.LockToken;

/**
 * Where a queue pushes messages for a receiver. Calls come from the queue's shard thread, one at a time
 * and in order; implementations hand the work to their own thread (an event loop) and never block.
 */
public interface DeliverySink {

    /** A message is now locked for this receiver; settle it with the delivery's lock token. */
    void deliver(Delivery delivery);

    /**
     * A lock this receiver holds is gone (lock timeout, expiry, purge): the message is no longer the
     * receiver's and settling it will fail with "lock lost".
     */
    void lockLost(LockToken lockToken);
}
