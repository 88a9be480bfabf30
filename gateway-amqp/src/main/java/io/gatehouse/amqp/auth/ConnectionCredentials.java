package io.gatehouse.amqp.auth;

import io.gatehouse.core.auth.Principal;
import io.gatehouse.core.auth.Principal.DevicePrincipal;
import io.gatehouse.core.auth.Principal.ServicePrincipal;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.AccessRight;
import io.gatehouse.core.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one AMQP connection is authorized for: every device (or module) whose token it presented (a multiplexing
 * client authenticates many devices on one connection) and at most one service identity, each until its token
 * expires. A renewed token replaces the older one. A module's token covers that module only, never its device.
 * Confined to the connection's event loop.
 */
public final class ConnectionCredentials {

    private final Clock clock;
    /** A device ({@code moduleId} null) or one of its modules. */
    private record Identity(DeviceId device, String moduleId) {
    }

    private final Map<Identity, DevicePrincipal> devices = new HashMap<>();
    private ServicePrincipal service;

    public ConnectionCredentials(Clock clock) {
        this.clock = clock;
    }

    public void add(Principal principal) {
        if (principal instanceof DevicePrincipal device) {
            devices.put(new Identity(device.deviceId(), device.moduleId()), device);
        } else {
            service = (ServicePrincipal) principal;
        }
    }

    /** The device's identity, while its token is valid. */
    public Optional<DevicePrincipal> device(DeviceId id) {
        return identity(id, null);
    }

    /** The device's ({@code moduleId} null) or module's identity, while its token is valid. */
    public Optional<DevicePrincipal> identity(DeviceId id, String moduleId) {
        DevicePrincipal p = devices.get(new Identity(id, moduleId));
        return p != null && valid(p) ? Optional.of(p) : Optional.empty();
    }

    /** The service identity, while its token is valid and it holds {@code right}. */
    public Optional<ServicePrincipal> service(AccessRight right) {
        return service != null && valid(service) && service.has(right) ? Optional.of(service) : Optional.empty();
    }

    public boolean hasService() {
        return service != null;
    }

    /** When the first held token expires, or null when none is held. */
    public Instant earliestExpiry() {
        Instant earliest = service == null ? null : service.expiry();
        for (DevicePrincipal p : devices.values()) {
            if (earliest == null || p.expiry().isBefore(earliest)) {
                earliest = p.expiry();
            }
        }
        return earliest;
    }

    /** Forgets expired identities and returns them. */
    public List<Principal> removeExpired() {
        List<Principal> expired = new ArrayList<>();
        for (Iterator<DevicePrincipal> it = devices.values().iterator(); it.hasNext(); ) {
            DevicePrincipal p = it.next();
            if (!valid(p)) {
                expired.add(p);
                it.remove();
            }
        }
        if (service != null && !valid(service)) {
            expired.add(service);
            service = null;
        }
        return expired;
    }

    private boolean valid(Principal p) {
        return p.expiry().toEpochMilli() > clock.millis();
    }

    /** For the connection's log lines. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        devices.values().forEach(p -> parts.add((p.moduleId() == null ? "device " : "module ") + p.identity()));
        if (service != null) {
            parts.add("policy " + service.policyName());
        }
        return parts.isEmpty() ? "nobody" : String.join(", ", parts);
    }
}
