package io.gatehouse.core.methods;

/**
 * How a connection takes method requests for its device. Called on a core thread: hand the request to the
 * connection's own thread and return.
 */
@FunctionalInterface
public interface MethodSink {

    void invoke(MethodRequest request);
}
