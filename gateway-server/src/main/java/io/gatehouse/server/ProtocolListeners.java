package io.gatehouse.server;

import io.gatehouse.server.transport.Listener;
import java.util.List;

/** Binds the device protocol listeners (MQTT, AMQP) of a gateway. */
final class ProtocolListeners {

    private ProtocolListeners() {
    }

    static void bind(Gatehouse gatehouse, List<Listener> listeners) {
        // the MQTT and AMQP adapters plug in here
    }
}
