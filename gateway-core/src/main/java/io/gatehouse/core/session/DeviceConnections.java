package io.gatehouse.core.session;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Which devices (and modules) are connected, over any protocol. A device has at most one connection, and so
 * has each of its modules, independently: registering a new one closes the older of the same identity
 * (takeover, as IoT Hub does), whatever protocol either uses. Deleting or disabling a device closes its
 * connection and its modules'. Also keeps IoT Hub's connection state and last-activity times.
 */
public final class DeviceConnections {

    /** A live connection as the core sees it. {@link #close} may be called from any thread. */
    public interface Connection {
        String protocol();

        void close(String reason);
    }

    /** IoT Hub's view of a device's connection. */
    public record ConnectionState(boolean connected, Instant stateUpdatedTime, Instant lastActivityTime) {
    }

    /** A device ({@code moduleId} null) or one of its modules. */
    private record Identity(DeviceId device, String moduleId) {
        @Override
        public String toString() {
            return moduleId == null ? "device " + device : "module " + device + "/" + moduleId;
        }
    }

    private final Clock clock;
    private final Map<Identity, Status> statuses = new ConcurrentHashMap<>();
    private final AtomicInteger connected = new AtomicInteger();
    private volatile Consumer<DeviceId> onConnect = device -> { };

    public DeviceConnections(Clock clock) {
        this.clock = clock;
    }

    /** Told of every new connection of a device itself (not of its modules), after it is registered. */
    public void onConnect(Consumer<DeviceId> listener) {
        this.onConnect = listener;
    }

    /** Registers a new connection of {@code device}; the previous one, if any, is closed. */
    public Registration register(DeviceId device, Connection connection) {
        return register(device, null, connection);
    }

    /** Registers a new connection of a module ({@code moduleId} null: the device); the previous one is closed. */
    public Registration register(DeviceId device, String moduleId, Connection connection) {
        Identity identity = new Identity(device, moduleId);
        Registration registration = new Registration(identity, connection);
        Registration previous;
        Status status = statuses.computeIfAbsent(identity, id -> new Status());
        synchronized (status) {
            previous = status.current;
            status.current = registration;
            status.stateUpdated = clock.millis();
            status.lastActivity = status.stateUpdated;
        }
        if (previous == null) {
            connected.incrementAndGet();
        } else {
            previous.connection.close("taken over by a new connection of " + identity);
        }
        if (moduleId == null) {
            onConnect.accept(device);
        }
        return registration;
    }

    /** Closes the device's connection and its modules', if any (deleted or disabled device). */
    public void revoke(DeviceId device, String reason) {
        statuses.forEach((identity, status) -> {
            if (identity.device().equals(device)) {
                revoke(status, reason);
            }
        });
    }

    private static void revoke(Status status, String reason) {
        Registration current;
        synchronized (status) {
            current = status.current;
        }
        if (current != null) {
            current.close();
            current.connection.close(reason);
        }
    }

    public boolean isConnected(DeviceId device) {
        return isConnected(device, null);
    }

    public boolean isConnected(DeviceId device, String moduleId) {
        Status status = statuses.get(new Identity(device, moduleId));
        return status != null && status.current != null;
    }

    public int connectedCount() {
        return connected.get();
    }

    /** Connected devices of one protocol ({@code mqtt}, {@code amqp}; case-insensitive). */
    public int connectedCount(String protocol) {
        String wanted = protocol.toLowerCase(Locale.ROOT);
        return (int) statuses.values().stream().filter(s -> wanted.equals(s.protocol())).count();
    }

    /** The protocol of each connected device (its own connection, not its modules'), lower case. */
    public Map<DeviceId, String> connectedProtocols() {
        Map<DeviceId, String> protocols = new HashMap<>();
        statuses.forEach((identity, status) -> {
            String protocol = status.protocol();
            if (protocol != null && identity.moduleId() == null) {
                protocols.put(identity.device(), protocol);
            }
        });
        return protocols;
    }

    public ConnectionState state(DeviceId device) {
        return state(device, null);
    }

    public ConnectionState state(DeviceId device, String moduleId) {
        Status status = statuses.get(new Identity(device, moduleId));
        if (status == null) {
            return new ConnectionState(false, Instant.EPOCH, Instant.EPOCH);
        }
        synchronized (status) {
            return new ConnectionState(status.current != null, Instant.ofEpochMilli(status.stateUpdated),
                    Instant.ofEpochMilli(status.lastActivity));
        }
    }

    /** Forgets a deleted device and its modules. */
    public void forget(DeviceId device) {
        revoke(device, "device " + device + " was deleted");
        statuses.keySet().removeIf(identity -> identity.device().equals(device));
    }

    private static final class Status {
        Registration current;
        long stateUpdated;
        volatile long lastActivity;

        /** The current connection's protocol, lower case, or null when disconnected. */
        synchronized String protocol() {
            return current == null ? null : current.connection.protocol().toLowerCase(Locale.ROOT);
        }
    }

    /** One connection's registration; closing it marks the device disconnected unless it was taken over. */
    public final class Registration implements AutoCloseable {
        private final Identity device;
        private final Connection connection;

        private Registration(Identity device, Connection connection) {
            this.device = device;
            this.connection = connection;
        }

        public DeviceId device() {
            return device.device();
        }

        /** The module this connection is of, or null for the device's own. */
        public String moduleId() {
            return device.moduleId();
        }

        /** Records activity (a message sent or received) for the registry's {@code lastActivityTime}. */
        public void touch() {
            Status status = statuses.get(device);
            if (status != null) {
                status.lastActivity = clock.millis();
            }
        }

        /** True while this is the device's current connection. */
        public boolean isCurrent() {
            Status status = statuses.get(device);
            return status != null && status.current == this;
        }

        @Override
        public void close() {
            Status status = statuses.get(device);
            if (status == null) {
                return;
            }
            boolean wasCurrent;
            synchronized (status) {
                wasCurrent = status.current == this;
                if (wasCurrent) {
                    status.current = null;
                    status.stateUpdated = clock.millis();
                }
            }
            if (wasCurrent) {
                connected.decrementAndGet();
            }
        }
    }
}
