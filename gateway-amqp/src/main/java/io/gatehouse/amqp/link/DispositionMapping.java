package io.gatehouse.amqp.link;

import org.apache.qpid.proton.amqp.messaging.Accepted;
import org.apache.qpid.proton.amqp.messaging.Modified;
import org.apache.qpid.proton.amqp.messaging.Rejected;
import org.apache.qpid.proton.amqp.messaging.Released;
import org.apache.qpid.proton.amqp.transport.DeliveryState;

/**
 * A receiver's outcome as a queue operation (docs/messaging.md#the-lifecycle): accepted = complete, rejected = reject (dead-letter),
 * released = abandon, modified = abandon, or reject when {@code undeliverable-here} is set (a device has one
 * queue, so "not here" means "not at all"). A settlement without an outcome is an abandon: the message was not
 * processed.
 */
enum DispositionMapping {
    COMPLETE,
    ABANDON,
    REJECT,
    /** Not an outcome yet (no state, or a non-terminal one such as Received). */
    NONE;

    static DispositionMapping of(DeliveryState state, boolean settled) {
        if (state instanceof Accepted) {
            return COMPLETE;
        }
        if (state instanceof Rejected) {
            return REJECT;
        }
        if (state instanceof Released) {
            return ABANDON;
        }
        if (state instanceof Modified modified) {
            return Boolean.TRUE.equals(modified.getUndeliverableHere()) ? REJECT : ABANDON;
        }
        return settled ? ABANDON : NONE;
    }
}
