package io.gatehouse.bench.broker;

import io.gatehouse.bench.os.ProcessTree;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A started broker: its durability for the scenario it runs, its processes, where to reach it (every node's MQTT
 * port; AMQP on node 0), and how clients must talk to it.
 */
public record RunningBroker(Broker kind, String durability, BrokerProcesses processes, String host, MqttNodes mqtt,
                            int amqpPort, Dialect dialect, Path dataDir) implements AutoCloseable {

    /** Node 0's MQTT port: services, back-end subscribers and one-device scenarios use it. */
    public int mqttPort() {
        return mqtt.first();
    }

    /** All of the broker's processes: what its CPU and memory figures are summed over. */
    public ProcessTree processTree() {
        return processes.tree();
    }

    public boolean hasAmqp() {
        return amqpPort > 0;
    }

    /** What every row of a run on this broker says about how it ran, with {@code devices} devices: nothing for one process. */
    public List<String> notes(int devices) {
        List<String> notes = new ArrayList<>(processes.notes());
        if (mqtt.count() > 1) {
            String spread = Arrays.stream(mqtt.devicesPerNode(devices)).mapToObj(Integer::toString).collect(Collectors.joining("/"));
            notes.add("devices spread client-side over the " + mqtt.count() + " nodes (device i on node i mod " + mqtt.count()
                    + ": " + spread + "); service connections (C2D sender, Event Hubs readers) on node 0");
        }
        return notes;
    }

    @Override
    public void close() {
        processes.close();
    }
}
