package io.gatehouse.bench.broker;

import java.nio.file.Path;

/**
 * A started broker: its durability as configured, its process, where to reach it (every node's MQTT port; AMQP on
 * node 0), and how clients must talk to it.
 */
public record RunningBroker(Broker kind, String durability, BrokerProcess process, String host, MqttNodes mqtt, int amqpPort,
                            Dialect dialect, Path dataDir) implements AutoCloseable {

    /** Node 0's MQTT port: services, back-end subscribers and one-device scenarios use it. */
    public int mqttPort() {
        return mqtt.first();
    }

    public long pid() {
        return process.pid();
    }

    public boolean hasAmqp() {
        return amqpPort > 0;
    }

    @Override
    public void close() {
        process.close();
    }
}
