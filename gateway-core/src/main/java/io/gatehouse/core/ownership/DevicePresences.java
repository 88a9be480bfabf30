package io.gatehouse.core.ownership;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.queue.CloudToDevice;
import io.gatehouse.core.session.DeviceConnections;
import io.gatehouse.core.session.DeviceConnections.ConnectionState;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

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
        return c2d.owners().whereOwned(device, OwnerCalls.presence(), ANSWER_WITHIN,
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
