package io.gatehouse.amqp.link;

import io.gatehouse.core.model.DeviceId;
import org.apache.qpid.proton.amqp.transport.ErrorCondition;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.Link;

/** One attached link of a kind the gateway serves. Every method runs on the connection's event loop. */
public interface LinkEndpoint {

    Link link();

    /** Completes the peer's attach (our attach frame) and starts the link's flow. */
    void attach();

    /** The device whose token this link needs, or null. */
    default DeviceId device() {
        return null;
    }

    /** With {@link #device()}: the module whose token this link needs, or null for the device's own. */
    default String moduleId() {
        return null;
    }

    /** True when this link needs a service identity (ServiceConnect). */
    default boolean needsService() {
        return false;
    }

    default void onFlow() {
    }

    /** A transfer arrived (receiving links) or the peer updated a delivery's state (sending links). */
    default void onDelivery(Delivery delivery) {
    }

    default void onWritable() {
    }

    /** Detaches the link from our side with {@code condition} (null: a clean detach) and releases it. */
    void detach(ErrorCondition condition);

    /**
     * The link is over (detached by either side, its session or connection ended, or the socket closed): give
     * back what it holds in the core. Idempotent.
     */
    void onClosed();
}
