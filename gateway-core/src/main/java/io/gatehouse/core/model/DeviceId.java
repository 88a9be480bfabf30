package io.gatehouse.core.model;


/**
 * A device identity: case-sensitive, 1 to 128 characters of the set IoT Hub allows. Validated on
 * construction so that no code path ever sees (or stores) an id an attacker shaped freely.
 */
public record DeviceId(String value) implements Comparable<DeviceId> {

    public static final int MAX_LENGTH = 128;
    /** The punctuation IoT Hub allows besides letters and digits. */
    private static final String ALLOWED_PUNCTUATION = "-:.+%_#*?!(),=@$'";
    /** Checked on every message (ids arrive in addresses and topics): a table lookup, not a regular expression. */
    private static final boolean[] ALLOWED = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            ALLOWED[c] = true;
        }
        for (char c = 'A'; c <= 'Z'; c++) {
            ALLOWED[c] = true;
            ALLOWED[Character.toLowerCase(c)] = true;
        }
        for (char c : ALLOWED_PUNCTUATION.toCharArray()) {
            ALLOWED[c] = true;
        }
    }

    public DeviceId {
        if (!isValid(value)) {
            throw new IllegalArgumentException("invalid device id: " + describe(value));
        }
    }

    public static DeviceId of(String value) {
        return new DeviceId(value);
    }

    public static boolean isValid(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            if (c >= ALLOWED.length || !ALLOWED[c]) {
                return false;
            }
        }
        return true;
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
