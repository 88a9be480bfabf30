package io.gatehouse.mqtt.flow;

/** What the flows of a connection may ask of the connection that owns them. Event-loop confined. */
public interface ConnectionControl {

    /** Closes the connection; the first reason given is the one logged. Pending writes are flushed first. */
    void close(String reason);

    /** True once a close has begun: nothing more is sent. */
    boolean isClosing();

    /** The telemetry backlog crossed a threshold: re-evaluate whether to read from the socket. */
    void backlogChanged();
}
