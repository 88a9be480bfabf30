package io.gatehouse.bench.broker;

import java.util.List;

/**
 * The plain MQTT ports of a broker's nodes (one for a single-process broker), and which node each device of a
 * fleet dials: device {@code i} the node {@code i mod N}, so a cluster's devices spread evenly, client-side, as a
 * load balancer with round robin would place them.
 */
public record MqttNodes(List<Integer> ports) {

    public MqttNodes {
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("a broker has at least one node");
        }
        ports = List.copyOf(ports);
    }

    public static MqttNodes one(int port) {
        return new MqttNodes(List.of(port));
    }

    public int count() {
        return ports.size();
    }

    /** The node device {@code i} (its index in the fleet) connects to. */
    public int nodeOf(int device) {
        return Math.floorMod(device, ports.size());
    }

    public int portOf(int device) {
        return ports.get(nodeOf(device));
    }

    /** Node 0's port: services, back-end subscribers and one-device scenarios connect there. */
    public int first() {
        return ports.get(0);
    }

    /** How many of the first {@code devices} devices each node gets. */
    public int[] devicesPerNode(int devices) {
        int[] counts = new int[ports.size()];
        for (int node = 0; node < counts.length; node++) {
            counts[node] = devices / counts.length + (node < devices % counts.length ? 1 : 0);
        }
        return counts;
    }
}
