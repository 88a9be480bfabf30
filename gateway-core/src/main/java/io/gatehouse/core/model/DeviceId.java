package io.gatehouse.core.model;

import java.util.regex.Pattern;

/**
 * A device identity: case-sensitive, 1 to 128 characters of the set IoT Hub allows. Validated on
 * construction so that no code path ever sees (or stores) an id an attacker shaped freely.
 */
public record DeviceId(String value) implements Comparable<DeviceId> {

    public static final int MAX_LENGTH = 128;
    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9\\-:.+%_#*?!(),=@$']{1," + MAX_LENGTH + "}");

    public DeviceId {
        if (value == null || !ALLOWED.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid device id: " + describe(value));
        }
    }

    public static DeviceId of(String value) {
        return new DeviceId(value);
    }

    public static boolean isValid(String value) {
        return value != null && ALLOWED.matcher(value).matches();
    }

    @Override
    public int compareTo(DeviceId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }

    private static String describe(String value) {
        if (value == null) {
            return "null";
        }
        String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return "'" + shown + "' (1 to " + MAX_LENGTH + " characters of A-Z a-z 0-9 - : . + % _ # * ? ! ( ) , = @ $ ')";
    }
}
