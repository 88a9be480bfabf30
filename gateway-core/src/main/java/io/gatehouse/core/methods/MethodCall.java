package io.gatehouse.core.methods;

import java.time.Duration;
import java.util.Objects;

/**
 * A direct method invocation as the service asks for it: the method's name, its JSON payload (bytes, possibly
 * {@code null} JSON), how long the device has to answer and how long to wait for the device to connect.
 */
public record MethodCall(String name, byte[] payload, Duration responseTimeout, Duration connectTimeout) {

    /** IoT Hub's bounds: 5 to 300 seconds to answer, 0 to 300 seconds to connect. */
    public static final Duration MIN_RESPONSE_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration MAX_TIMEOUT = Duration.ofSeconds(300);

    public MethodCall {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(responseTimeout, "responseTimeout");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
    }
}
