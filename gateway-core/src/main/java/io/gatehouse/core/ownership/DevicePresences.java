package io.gatehouse.core.ownership;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.queue.CloudToDevice;
import io.gatehouse.core.session.DeviceConnections;
import io.gatehouse.core.session.DeviceConnections.ConnectionState;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Devices' connection states and C2D queue depths. Only the node owning a device knows them: a device is owned where
 * it connected, and its queue lives there. So on a store that several nodes share, an exact answer is asked of the
 * owner, like a C2D send; when no live node owns the device, this node claims it (the device is then disconnected,
 * and its queue restored here is counted exactly).
 */
public final class DevicePresences {

    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);

    private final DeviceConnections connections;
    private final CloudToDevice c2d;

    public DevicePresences(DeviceConnections connections, CloudToDevice c2d) {
        this.connections = connections;
        this.c2d = c2d;
    }

    /** The device's presence as the node owning it knows it. */
    public CompletableFuture<DevicePresence> of(DeviceId device) {
        if (connections.isConnected(device)) {
            return CompletableFuture.completedFuture(here(device)); // a device is owned where it is connected
        }
        return c2d.owners().whereOwned(device, () -> OwnerCalls.presence(), ANSWER_WITHIN,
                () -> CompletableFuture.completedFuture(here(device)), OwnerCalls::presence);
    }

    /**
     * A module's connection state. A module connects to whichever node it reaches, independently of its device, so on a
     * store that several nodes share every node is asked: the one it is connected to wins, else the latest change.
     */
    public CompletableFuture<ConnectionState> ofModule(DeviceId device, String moduleId) {
        ConnectionState here = connections.state(device, moduleId);
        if (here.connected() || c2d.owners().ownsEveryDevice()) {
            return CompletableFuture.completedFuture(here);
        }
        return c2d.owners().askEveryNode(device, OwnerCalls.modulePresence(moduleId), ANSWER_WITHIN).thenApply(answers -> {
            ConnectionState latest = here;
            for (byte[] answer : answers) {
                ConnectionState there = OwnerCalls.presence(answer).connection();
                if (there.connected()) {
                    return there;
                }
                if (there.stateUpdatedTime().isAfter(latest.stateUpdatedTime())) {
                    latest = there;
                }
            }
            return latest;
        });
    }

    /**
     * The presence of every device, for lists and queries: on a store that several nodes share, every node is asked once
     * for the devices connected to it or with messages queued on it; the others are disconnected with empty queues.
     * Devices that connected nowhere since this node started show the time it started as their last state change.
     */
    public CompletableFuture<Function<DeviceId, DevicePresence>> ofEveryDevice() {
        if (c2d.owners().ownsEveryDevice()) {
            return CompletableFuture.completedFuture(this::here);
        }
        return heldByEveryNode().thenApply(held -> device -> held.getOrDefault(device, here(device)));
    }

    /**
     * The presences of {@code devices} (a page of a list): on a store that several nodes share, every node is asked
     * once, for those of them connected to it or with messages queued on it; the others are as {@link #ofEveryDevice}
     * shows them.
     */
    public CompletableFuture<Function<DeviceId, DevicePresence>> of(Collection<DeviceId> devices) {
        if (c2d.owners().ownsEveryDevice()) {
            return CompletableFuture.completedFuture(this::here);
        }
        List<DeviceId> asked = List.copyOf(devices);
        Map<DeviceId, DevicePresence> held = heldAmong(asked);
        return c2d.owners().askEveryNode(OwnerCalls.presencesOf(asked), ANSWER_WITHIN).thenApply(answers -> {
            merge(held, answers);
            return device -> held.getOrDefault(device, here(device));
        });
    }

    /**
     * How many devices are connected to the hub. On a store that several nodes share: the sum of every live node's
     * count (each answers a number, not a list; a device counted once, or, for a moment while it moves, on both nodes;
     * its modules' connections are not counted).
     */
    public CompletableFuture<Integer> connectedCount() {
        if (c2d.owners().ownsEveryDevice()) {
            return CompletableFuture.completedFuture(connections.connectedCount());
        }
        int here = connectedHere();
        return c2d.owners().askEveryNode(OwnerCalls.connectedHere(), ANSWER_WITHIN).thenApply(answers ->
                here + answers.stream().mapToInt(OwnerCalls::count).sum());
    }

    /** What {@link #connectedCount} asks of each node: its devices' own connections. */
    public int connectedHere() {
        return connections.connectedProtocols().size();
    }

    /** What {@link #of(Collection)} asks of each node: the presences of those of {@code devices} held here. */
    public byte[] heldHere(List<DeviceId> devices) {
        return OwnerCalls.presences(heldAmong(devices));
    }

    private Map<DeviceId, DevicePresence> heldAmong(List<DeviceId> devices) {
        Map<DeviceId, DevicePresence> held = new HashMap<>();
        for (DeviceId device : devices) {
            if (connections.isConnected(device) || c2d.depth(device) > 0) {
                held.put(device, here(device));
            }
        }
        return held;
    }

    private static void merge(Map<DeviceId, DevicePresence> held, List<byte[]> answers) {
        for (byte[] answer : answers) {
            OwnerCalls.presences(answer).forEach((device, there) -> held.merge(device, there, DevicePresences::combined));
        }
    }

    /** The presences every live node holds (this one included), one per device, combined where nodes disagree. */
    private CompletableFuture<Map<DeviceId, DevicePresence>> heldByEveryNode() {
        Map<DeviceId, DevicePresence> held = held();
        return c2d.owners().askEveryNode(OwnerCalls.presencesHeld(), ANSWER_WITHIN).thenApply(answers -> {
            merge(held, answers);
            return held;
        });
    }

    /** What {@link #ofEveryDevice} asks of each node: the presences of the devices connected or queued here. */
    public byte[] heldHere() {
        return OwnerCalls.presences(held());
    }

    private Map<DeviceId, DevicePresence> held() {
        Map<DeviceId, DevicePresence> held = new HashMap<>();
        for (DeviceId device : connections.connectedProtocols().keySet()) {
            held.put(device, here(device));
        }
        c2d.depthsHeld().forEach((device, depth) -> held.computeIfAbsent(device, this::here));
        return held;
    }

    /**
     * One device as two nodes see it, which can differ while it moves: connected where its connection is (the later
     * one, if both still think so), its queue where it is held.
     */
    private static DevicePresence combined(DevicePresence a, DevicePresence b) {
        ConnectionState first = a.connection();
        ConnectionState second = b.connection();
        ConnectionState connection;
        if (first.connected() != second.connected()) {
            connection = first.connected() ? first : second;
        } else {
            connection = second.stateUpdatedTime().isAfter(first.stateUpdatedTime()) ? second : first;
        }
        return new DevicePresence(connection, Math.max(a.cloudToDeviceMessageCount(), b.cloudToDeviceMessageCount()));
    }

    /** What {@link #ofModule} asks of each node: the module's state here. */
    public byte[] moduleHere(DeviceId device, String moduleId) {
        return OwnerCalls.presence(new DevicePresence(connections.state(device, moduleId), 0));
    }

    /**
     * The device's presence as this node knows it, without asking another: exact on a node alone and for devices owned
     * here; a device owned by another node shows as disconnected with no messages queued.
     */
    public DevicePresence here(DeviceId device) {
        return new DevicePresence(connections.state(device), c2d.depth(device));
    }
}
