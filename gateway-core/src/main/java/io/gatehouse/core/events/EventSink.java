package io.gatehouse.core.events;

/** Where a reader pushes events. Called from the core's reader thread, in order; never block in it. */
@FunctionalInterface
public interface EventSink {

    void onEvent(D2cEvent event);
}
