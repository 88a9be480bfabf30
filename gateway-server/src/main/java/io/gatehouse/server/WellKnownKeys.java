package io.gatehouse.server;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.AccessPolicy;
import io.gatehouse.core.registry.KeySource;
import io.gatehouse.core.registry.SymmetricKeys;
import java.util.concurrent.CompletableFuture;

/**
 * Fixed, published keys for a development hub ({@code development.wellKnownKeys}), so that test configuration
 * can be written once: every shared access policy has the policy keys, and every device created without keys
 * gets the device keys. Anyone who reads the documentation can use them: never for a hub that matters.
 * The keys are the base64 of readable ASCII, so they can be recognised in a log or a configuration file.
 */
public final class WellKnownKeys implements KeySource {

    /** base64 of {@code gatehouse-dev-policy-primary-key} and {@code gatehouse-dev-policy-secondarykey}. */
    public static final SymmetricKeys POLICY = new SymmetricKeys(
            "Z2F0ZWhvdXNlLWRldi1wb2xpY3ktcHJpbWFyeS1rZXk=", "Z2F0ZWhvdXNlLWRldi1wb2xpY3ktc2Vjb25kYXJ5a2V5");
    /** base64 of {@code gatehouse-dev-device-primary-key} and {@code gatehouse-dev-device-secondarykey}. */
    public static final SymmetricKeys DEVICE = new SymmetricKeys(
            "Z2F0ZWhvdXNlLWRldi1kZXZpY2UtcHJpbWFyeS1rZXk=", "Z2F0ZWhvdXNlLWRldi1kZXZpY2Utc2Vjb25kYXJ5a2V5");

    @Override
    public SymmetricKeys forPolicy(String policy) {
        return POLICY;
    }

    @Override
    public SymmetricKeys forDevice(DeviceId device) {
        return DEVICE;
    }

    /** Gives every policy the well-known keys, also those a start without this option created. */
    static void applyToPolicies(GatewayCore core) {
        CompletableFuture.allOf(core.policies().all().stream()
                .filter(policy -> !policy.keys().equals(POLICY))
                .map(policy -> core.policies().put(new AccessPolicy(policy.name(), POLICY, policy.rights())))
                .toArray(CompletableFuture[]::new)).join();
    }
}
