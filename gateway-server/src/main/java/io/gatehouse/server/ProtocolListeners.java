package io.gatehouse.server;

import io.gatehouse.amqp.AmqpChannelInitializer;
import io.gatehouse.amqp.AmqpOptions;
import io.gatehouse.mqtt.MqttChannelInitializer;
import io.gatehouse.mqtt.MqttOptions;
import io.gatehouse.server.config.GatehouseConfig;
import io.gatehouse.server.transport.Listener;
import java.util.List;

/** Binds the device protocol listeners of a gateway: MQTT over TLS and plain, AMQP over TLS and plain. */
final class ProtocolListeners {

    private ProtocolListeners() {
    }

    static void bind(Gatehouse gatehouse, List<Listener> listeners) {
        GatehouseConfig config = gatehouse.config();
        MqttOptions mqtt = MqttOptions.builder().maxInFlightC2d(config.mqttMaxInFlight()).build();
        listeners.add(Listener.bind("mqtt", gatehouse.transport(), config.bindAddress(), config.mqttPort(),
                new MqttChannelInitializer(gatehouse.core(), mqtt, gatehouse.tls().serverContext())));
        if (config.mqttPlainEnabled()) {
            listeners.add(Listener.bind("mqtt-plain", gatehouse.transport(), config.bindAddress(), config.mqttPlainPort(),
                    new MqttChannelInitializer(gatehouse.core(), mqtt, null)));
        }
        AmqpOptions amqp = AmqpOptions.defaults();
        listeners.add(Listener.bind("amqp", gatehouse.transport(), config.bindAddress(), config.amqpPort(),
                new AmqpChannelInitializer(gatehouse.core(), amqp, gatehouse.tls().serverContext())));
        if (config.amqpPlainEnabled()) {
            listeners.add(Listener.bind("amqp-plain", gatehouse.transport(), config.bindAddress(), config.amqpPlainPort(),
                    new AmqpChannelInitializer(gatehouse.core(), amqp, null)));
        }
    }
}
