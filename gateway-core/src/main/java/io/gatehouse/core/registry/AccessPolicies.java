package io.gatehouse.core.registry;

import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.WriteBatch;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hub's shared access policies. On first start (nothing stored) IoT Hub's default policies are created
 * with keys from the {@link KeySource}; later starts load them.
 */
public final class AccessPolicies {

    private final StateStore store;
    private final KeySource keys;
    private final Map<String, AccessPolicy> policies = new ConcurrentHashMap<>();

    public AccessPolicies(StateStore store, KeySource keys) {
        this.store = store;
        this.keys = keys;
    }

    public void restore(byte[] stored) {
        AccessPolicy policy = AccessPolicyCodec.decode(stored);
        policies.put(policy.name(), policy);
    }

    /** Another gateway node put the policy {@code name} ({@code stored}), or deleted it (null). */
    public void changedElsewhere(String name, byte[] stored) {
        if (stored == null) {
            policies.remove(name);
        } else {
            policies.put(name, AccessPolicyCodec.decode(stored));
        }
    }

    /** Creates the default policies when none exist; completes once they are durable. */
    public CompletableFuture<Void> ensureDefaults() {
        if (!policies.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        WriteBatch batch = new WriteBatch();
        for (AccessPolicy policy : AccessPolicy.defaults(keys)) {
            policies.put(policy.name(), policy);
            batch.andPut(key(policy.name()), AccessPolicyCodec.encode(policy));
        }
        return store.write(batch);
    }

    /** Adds or replaces a policy (e.g. keys supplied by configuration). */
    public CompletableFuture<Void> put(AccessPolicy policy) {
        policies.put(policy.name(), policy);
        return store.write(WriteBatch.put(key(policy.name()), AccessPolicyCodec.encode(policy)));
    }

    public Optional<AccessPolicy> get(String name) {
        return Optional.ofNullable(policies.get(name));
    }

    public Collection<AccessPolicy> all() {
        return List.copyOf(policies.values());
    }

    private static StateKey key(String name) {
        return StateKey.of(RecordKind.ACCESS_POLICY, name);
    }
}
