package io.gatehouse.bench.broker;

import java.util.Optional;

/**
 * How a client addresses one broker: the device's telemetry topic and C2D subscription, its credentials, and how
 * the service reaches a device. Gatehouse speaks IoT Hub's topics and SAS tokens; the peers get the same topic
 * names with anonymous access.
 */
public interface Dialect {

    /** MQTT user name and password of a device; empty for anonymous brokers. */
    record Credentials(String username, byte[] password) {
    }

    default String telemetryTopic(String deviceId) {
        return "devices/" + deviceId + "/messages/events/";
    }

    default String c2dFilter(String deviceId) {
        return "devices/" + deviceId + "/messages/devicebound/#";
    }

    /** The MQTT topic a service publishes a C2D message to, for brokers reached by MQTT only. */
    default String c2dTopic(String deviceId) {
        return "devices/" + deviceId + "/messages/devicebound/c2d";
    }

    Optional<Credentials> deviceCredentials(String deviceId);

    /**
     * True when a published telemetry message is stored only if some durable subscription wants it (every plain
     * MQTT broker): the harness then attaches one back-end subscriber with a persistent session, the nearest
     * equivalent of Gatehouse's always-stored event stream.
     */
    boolean telemetryNeedsSubscriber();
}
