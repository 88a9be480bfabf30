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
    public static Set<AccessPolicy> defaults(KeySource keys) {
        return Set.of(
                new AccessPolicy("iothubowner", keys.forPolicy("iothubowner"), EnumSet.allOf(AccessRight.class)),
                new AccessPolicy("service", keys.forPolicy("service"), EnumSet.of(AccessRight.SERVICE_CONNECT)),
                new AccessPolicy("device", keys.forPolicy("device"), EnumSet.of(AccessRight.DEVICE_CONNECT)),
                new AccessPolicy("registryRead", keys.forPolicy("registryRead"), EnumSet.of(AccessRight.REGISTRY_READ)),
                new AccessPolicy("registryReadWrite", keys.forPolicy("registryReadWrite"),
                        EnumSet.of(AccessRight.REGISTRY_READ, AccessRight.REGISTRY_WRITE)));
    }
}
