package io.gatehouse.mqtt;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the MQTT endpoint, validated on construction.
 *
 * @param hubHostName        when set, the host part of a CONNECT user name must equal it (case-insensitively);
 *                           null accepts any host, as SAS tokens do (docs/protocols.md#sas-tokens: clients name the host they dialled)
 * @param maxInFlightC2d     C2D messages sent to one device and not yet acknowledged (the receiver's credit)
 * @param maxPendingTelemetry telemetry appends of one connection not yet durable; beyond it the gateway stops
 *                           reading the socket until they drain to half (back-pressure)
 * @param maxPacketSize      the largest MQTT packet (remaining length) the decoder accepts; larger ones close
 *                           the connection without being buffered
 * @param maxTelemetryPayload the largest telemetry payload (IoT Hub: 256 KB); larger ones close the connection
 * @param connectTimeout     how long a new connection may take to send CONNECT (and finish TLS)
 * @param maxKeepAlive       the keep-alive applied to clients that ask for none (0) or for more (IoT Hub: 1177 s)
 */
public record MqttOptions(
        String hubHostName,
        int maxInFlightC2d,
        int maxPendingTelemetry,
        int maxPacketSize,
        int maxTelemetryPayload,
        Duration connectTimeout,
        Duration maxKeepAlive) {

    public static final int DEFAULT_MAX_IN_FLIGHT_C2D = 16;
    public static final int DEFAULT_MAX_PENDING_TELEMETRY = 128;
    public static final int DEFAULT_MAX_TELEMETRY_PAYLOAD = 256 * 1024;
    /** The payload plus the longest topic an MQTT string can hold. */
    public static final int DEFAULT_MAX_PACKET_SIZE = DEFAULT_MAX_TELEMETRY_PAYLOAD + 64 * 1024;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_MAX_KEEP_ALIVE = Duration.ofSeconds(1177);
    /** MQTT's keep-alive field is 16 bits of seconds. */
    private static final Duration LONGEST_KEEP_ALIVE = Duration.ofSeconds(65_535);

    public MqttOptions {
        if (hubHostName != null && hubHostName.isBlank()) {
            throw new IllegalArgumentException("hubHostName must not be blank (null accepts any host)");
        }
        check("maxInFlightC2d", maxInFlightC2d, 1, 1000);
        check("maxPendingTelemetry", maxPendingTelemetry, 1, 65_535);
        check("maxTelemetryPayload", maxTelemetryPayload, 0, 256 * 1024 * 1024);
        check("maxPacketSize", maxPacketSize, 64, 268_435_455);
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(maxKeepAlive, "maxKeepAlive");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive, not " + connectTimeout);
        }
        if (maxKeepAlive.toSeconds() < 1 || maxKeepAlive.compareTo(LONGEST_KEEP_ALIVE) > 0) {
            throw new IllegalArgumentException("maxKeepAlive must be 1 s to 65535 s, not " + maxKeepAlive);
        }
    }

    public static MqttOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * How long a connection may stay silent before it is closed: 1.5 times the keep-alive the client asked
     * for ([MQTT-3.1.2-24]); a client asking for none or more than {@link #maxKeepAlive} gets the maximum.
     */
    public long idleTimeoutMillis(int requestedKeepAliveSeconds) {
        long keepAlive = requestedKeepAliveSeconds <= 0 || requestedKeepAliveSeconds > maxKeepAlive.toSeconds()
                ? maxKeepAlive.toSeconds() : requestedKeepAliveSeconds;
        return keepAlive * 1500L;
    }

    private static void check(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be " + min + " to " + max + ", not " + value);
        }
    }

    public static final class Builder {
        private String hubHostName;
        private int maxInFlightC2d = DEFAULT_MAX_IN_FLIGHT_C2D;
        private int maxPendingTelemetry = DEFAULT_MAX_PENDING_TELEMETRY;
        private int maxPacketSize = DEFAULT_MAX_PACKET_SIZE;
        private int maxTelemetryPayload = DEFAULT_MAX_TELEMETRY_PAYLOAD;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration maxKeepAlive = DEFAULT_MAX_KEEP_ALIVE;

        public Builder hubHostName(String value) {
            hubHostName = value;
            return this;
        }

        public Builder maxInFlightC2d(int value) {
            maxInFlightC2d = value;
            return this;
        }

        public Builder maxPendingTelemetry(int value) {
            maxPendingTelemetry = value;
            return this;
        }

        public Builder maxPacketSize(int value) {
            maxPacketSize = value;
            return this;
        }

        public Builder maxTelemetryPayload(int value) {
            maxTelemetryPayload = value;
            return this;
        }

        public Builder connectTimeout(Duration value) {
            connectTimeout = value;
            return this;
        }

        public Builder maxKeepAlive(Duration value) {
            maxKeepAlive = value;
            return this;
        }

        public MqttOptions build() {
            return new MqttOptions(hubHostName, maxInFlightC2d, maxPendingTelemetry, maxPacketSize,
                    maxTelemetryPayload, connectTimeout, maxKeepAlive);
        }
    }
}
