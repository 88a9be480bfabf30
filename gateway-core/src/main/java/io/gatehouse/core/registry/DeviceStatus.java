package io.gatehouse.core.registry;

import java.util.Locale;

/** Whether a device may connect. */
public enum DeviceStatus {
    ENABLED,
    DISABLED;

    /** The wire spelling: {@code enabled} / {@code disabled}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DeviceStatus parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("status must be 'enabled' or 'disabled'");
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "enabled" -> ENABLED;
            case "disabled" -> DISABLED;
            default -> throw new IllegalArgumentException("status must be 'enabled' or 'disabled', not '" + text + "'");
        };
    }
}
