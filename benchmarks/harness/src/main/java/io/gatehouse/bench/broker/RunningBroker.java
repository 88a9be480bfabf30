package io.gatehouse.bench.broker;

import java.nio.file.Path;

/** A started broker: its durability as configured, its process, where to reach it, and how clients must talk to it. */
public record RunningBroker(Broker kind, String durability, BrokerProcess process, String host, int mqttPort, int amqpPort,
                            Dialect dialect, Path dataDir) implements AutoCloseable {

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
