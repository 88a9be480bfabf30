package io.gatehouse.it;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/** A gateway on ephemeral loopback ports with devices placed in chosen partitions, for the Event Hubs tests. */
final class EventHubsGatewayConfig {

    private EventHubsGatewayConfig() {
    }

    /** The gateway's partition of a device: a stable hash of its id (docs/messaging.md#device-to-cloud-telemetry). */
    static int partitionOf(String deviceId, int partitions) {
        return Math.floorMod(deviceId.hashCode(), partitions);
    }

    /** Device ids {@code prefix-N}, the first found for each of {@code count} different partitions, by partition. */
    static Map<Integer, String> onePerPartition(String prefix, int partitions, int count) {
        Map<Integer, String> devices = new TreeMap<>();
        for (int i = 0; devices.size() < count; i++) {
            String id = prefix + "-" + i;
            devices.putIfAbsent(partitionOf(id, partitions), id);
        }
        return devices;
    }

    /** The YAML of a gateway on ephemeral loopback ports with {@code partitions} event partitions, nothing else. */
    static String ephemeralPorts(int partitions) {
        return """
                bindAddress: 127.0.0.1
                mqtt: {port: 0, plainPort: 0}
                amqp: {port: 0, plainPort: 0}
                https: {port: 0}
                health: {port: 0}
                events: {partitionCount: %d}
                """.formatted(partitions);
    }

    /** The YAML of a gateway with {@code partitions} partitions and {@code devices}, all with primary key {@code key}. */
    static String yaml(int partitions, Collection<String> devices, String key) {
        StringBuilder yaml = new StringBuilder(ephemeralPorts(partitions)).append("devices:\n");
        devices.forEach(d -> yaml.append("  - {id: ").append(d).append(", primaryKey: \"").append(key).append("\"}\n"));
        return yaml.toString();
    }
}
