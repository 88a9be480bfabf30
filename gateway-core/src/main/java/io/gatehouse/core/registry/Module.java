package io.gatehouse.core.registry;

import io.gatehouse.core.model.DeviceId;
import java.util.Objects;

/**
 * A module identity: an independent identity on a device (IoT Edge modules, or several applications of one
 * device), with its own keys and connection. Immutable: every change makes a new value with a new etag. It has
 * no status of its own: it lives and is enabled while its device is.
 */
public record Module(
        DeviceId deviceId,
        String moduleId,
        String generationId,
        String etag,
        String managedBy,
        SymmetricKeys keys,
        long version) {

    public Module {
        Objects.requireNonNull(deviceId, "deviceId");
        if (!isValidId(moduleId)) {
            throw new IllegalArgumentException("'" + moduleId + "' is not a valid module id");
        }
        Objects.requireNonNull(generationId, "generationId");
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(keys, "keys");
    }

    /** Module ids follow the device id rules (IoT Hub's: the same characters, at most 128). */
    public static boolean isValidId(String moduleId) {
        return DeviceId.isValid(moduleId);
    }

    /** The identity as the SDKs name it in client ids and token resources: {@code {deviceId}/{moduleId}}. */
    public String identity() {
        return deviceId.value() + "/" + moduleId;
    }
}
