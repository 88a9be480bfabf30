package io.gatehouse.amqp.connection;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.session.DeviceConnections;
import io.gatehouse.core.session.DeviceConnections.Registration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The devices this connection serves, registered with the core while they have at least one link here. A device
 * registered elsewhere later (takeover, any protocol) or deleted/disabled loses its links on this connection.
 * Confined to the event loop, except for the takeover callback, which the core calls from any thread.
 */
final class DeviceBindings {

    /** A device ({@code moduleId} null) or one of its modules: each is registered on its own. */
    record Bound(DeviceId device, String moduleId) {
    }

    private final DeviceConnections connections;
    private final BiConsumer<Bound, String> revoked;
    private final Map<Bound, Binding> bindings = new HashMap<>();

    private static final class Binding {
        Registration registration;
        int links;
    }

    /** @param revoked called (from any thread) when a device's registration is taken away, with the reason */
    DeviceBindings(DeviceConnections connections, BiConsumer<Bound, String> revoked) {
        this.connections = connections;
        this.revoked = revoked;
    }

    void linkOpened(Bound device) {
        Binding binding = bindings.computeIfAbsent(device, id -> new Binding());
        if (binding.links++ == 0) {
            binding.registration = connections.register(device.device(), device.moduleId(), new DeviceConnections.Connection() {
                @Override
                public String protocol() {
                    return "amqp";
                }

                @Override
                public void close(String reason) {
                    revoked.accept(device, reason);
                }
            });
        }
    }

    void linkClosed(Bound device) {
        Binding binding = bindings.get(device);
        if (binding != null && --binding.links == 0) {
            bindings.remove(device);
            binding.registration.close();
        }
    }

    /** The core registration of a device (not a module) that has a link here, or null. */
    Registration registration(DeviceId device) {
        Binding binding = bindings.get(new Bound(device, null));
        return binding == null ? null : binding.registration;
    }

    void touch(Bound device) {
        Binding binding = bindings.get(device);
        if (binding != null) {
            binding.registration.touch();
        }
    }

    /** The connection is gone. */
    void closeAll() {
        bindings.values().forEach(b -> b.registration.close());
        bindings.clear();
    }
}
