package io.gatehouse.amqp.engine;

import org.apache.qpid.proton.engine.Event;
import org.apache.qpid.proton.engine.SaslListener;

/** What the proton-j pump hands to the protocol layer. Every call is made on the channel's event loop. */
public interface EngineListener {

    /** The peer asked for a SASL layer: the listener that authenticates it. */
    SaslListener saslServer();

    /** One proton-j event (connection, session, link, delivery, flow ...). */
    void onEvent(Event event);

    /** The peer broke the protocol (bad header, malformed or oversized frame); the connection is going away. */
    void onProtocolError(String description);

    /** The channel's writability changed to writable: senders may continue. */
    void onWritable();

    /** The channel is gone: release everything the connection holds. Called exactly once. */
    void onChannelClosed();
}
