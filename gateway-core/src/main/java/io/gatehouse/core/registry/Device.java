package io.gatehouse.core.registry;

import io.gatehouse.core.model.DeviceId;
import java.time.Instant;
import java.util.Objects;

/**
 * A device identity. Immutable: every change makes a new value with a new etag. {@code generationId} is
 * fixed for the identity's life, so a re-created device is distinguishable from the deleted one.
 */
public record Device(
        DeviceId id,
        String generationId,
        String etag,
        DeviceStatus status,
        String statusReason,
        Instant statusUpdatedTime,
        SymmetricKeys keys,
        long version) {

    public Device {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(generationId, "generationId");
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(statusUpdatedTime, "statusUpdatedTime");
        Objects.requireNonNull(keys, "keys");
    }

    public boolean isEnabled() {
        return status == DeviceStatus.ENABLED;
    }
}
