package io.gatehouse.core.registry;

/**
 * The fields of a device an update may change. Null fields keep their current value.
 */
public record DeviceUpdate(DeviceStatus status, String statusReason, SymmetricKeys keys) {

    public static DeviceUpdate status(DeviceStatus status) {
        return new DeviceUpdate(status, null, null);
    }

    public static DeviceUpdate keys(SymmetricKeys keys) {
        return new DeviceUpdate(null, null, keys);
    }
}
