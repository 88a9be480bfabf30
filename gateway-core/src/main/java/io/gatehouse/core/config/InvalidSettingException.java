package io.gatehouse.core.config;

/** A configuration value that is malformed or out of range; the message names the property. */
public final class InvalidSettingException extends IllegalArgumentException {

    private final String property;

    public InvalidSettingException(String property, String message) {
        super(property + ": " + message);
        this.property = property;
    }

    public String property() {
        return property;
    }
}
