package io.gatehouse.core.registry;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/** A shared access policy: a name, keys and rights, used by back-end services. */
public record AccessPolicy(String name, SymmetricKeys keys, Set<AccessRight> rights) {

    public AccessPolicy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keys, "keys");
        rights = Set.copyOf(rights);
    }

    public boolean has(AccessRight right) {
        return rights.contains(right);
    }

    /** IoT Hub's default policies, with fresh keys. */
    public static Set<AccessPolicy> defaults() {
        return Set.of(
                new AccessPolicy("iothubowner", SymmetricKeys.generate(), EnumSet.allOf(AccessRight.class)),
                new AccessPolicy("service", SymmetricKeys.generate(), EnumSet.of(AccessRight.SERVICE_CONNECT)),
                new AccessPolicy("device", SymmetricKeys.generate(), EnumSet.of(AccessRight.DEVICE_CONNECT)),
                new AccessPolicy("registryRead", SymmetricKeys.generate(), EnumSet.of(AccessRight.REGISTRY_READ)),
                new AccessPolicy("registryReadWrite", SymmetricKeys.generate(),
                        EnumSet.of(AccessRight.REGISTRY_READ, AccessRight.REGISTRY_WRITE)));
    }
}
