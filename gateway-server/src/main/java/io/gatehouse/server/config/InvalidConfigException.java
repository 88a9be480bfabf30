package io.gatehouse.server.config;

/** A configuration that cannot start a gateway; the message is one line naming the property. */
public final class InvalidConfigException extends RuntimeException {

    public InvalidConfigException(String message) {
        super(message, null, false, false);
    }
}
