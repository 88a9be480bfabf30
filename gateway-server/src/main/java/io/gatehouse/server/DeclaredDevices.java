package io.gatehouse.server;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.registry.DeviceRegistry;
import io.gatehouse.core.registry.DeviceStatus;
import io.gatehouse.core.registry.DeviceUpdate;
import io.gatehouse.core.registry.SymmetricKeys;
import io.gatehouse.server.config.DeviceDeclaration;
import io.gatehouse.server.config.InvalidConfigException;
import java.util.List;
import java.util.Objects;

/**
 * Makes the registry hold the devices the configuration declares: missing ones are created, and declared
 * keys or status are applied to existing ones. Devices not declared are left alone.
 */
final class DeclaredDevices {

    private DeclaredDevices() {
    }

    static void apply(List<DeviceDeclaration> declarations, DeviceRegistry registry) {
        for (DeviceDeclaration d : declarations) {
            if (!DeviceId.isValid(d.id())) {
                throw new InvalidConfigException("devices: '" + d.id() + "' is not a valid device id");
            }
            DeviceId id = DeviceId.of(d.id());
            SymmetricKeys keys;
            DeviceStatus status;
            try {
                keys = d.primaryKey() == null && d.secondaryKey() == null ? null
                        : new SymmetricKeys(Objects.requireNonNullElse(d.primaryKey(), d.secondaryKey()),
                                Objects.requireNonNullElse(d.secondaryKey(), d.primaryKey()));
                status = d.status() == null ? null : DeviceStatus.parse(d.status());
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException("devices: device " + d.id() + ": " + e.getMessage());
            }
            Device existing = registry.get(id).orElse(null);
            if (existing == null) {
                registry.create(id, status == null ? DeviceStatus.ENABLED : status, null, keys).join();
            } else if ((keys != null && !keys.equals(existing.keys())) || (status != null && status != existing.status())) {
                registry.update(id, "*", new DeviceUpdate(status, null, keys)).join();
            }
        }
    }
}
