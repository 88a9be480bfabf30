package io.gatehouse.core.methods;

import io.gatehouse.core.session.DeviceConnections.Registration;

/**
 * A connection's subscription to its device's direct methods. It receives invocations only while its connection is
 * the device's current one. Close it when the connection goes (or unsubscribes).
 */
public final class MethodSubscription implements AutoCloseable {

    private final DirectMethods methods;
    private final Registration registration;
    private final MethodSink sink;

    MethodSubscription(DirectMethods methods, Registration registration, MethodSink sink) {
        this.methods = methods;
        this.registration = registration;
        this.sink = sink;
    }

    Registration registration() {
        return registration;
    }

    MethodSink sink() {
        return sink;
    }

    /** True while invocations may reach this connection. */
    boolean isLive() {
        return registration.isCurrent();
    }

    @Override
    public void close() {
        methods.unsubscribe(this);
    }
}
