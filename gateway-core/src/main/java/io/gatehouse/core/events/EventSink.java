package io.gatehouse.core.events;

/** Where a reader pushes events. Called from the core's reader thread, in order; never block in it. */
@FunctionalInterface
public interface EventSink {

    void onEvent(D2cEvent event);

    /**
     * A reader with an equal or higher owner level opened on the same consumer group's partition: this reader is
     * closed and delivers nothing more. Called from the thread that opened the other reader; never block in it.
     */
    default void onTakenOver(String reason) {
    }
}
