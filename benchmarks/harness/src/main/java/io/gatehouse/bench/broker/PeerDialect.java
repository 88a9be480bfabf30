package io.gatehouse.bench.broker;

import java.util.Optional;

/** The peers: IoT Hub's topic names as ordinary MQTT topics, anonymous access. */
public final class PeerDialect implements Dialect {

    /** The AMQP address a service sends a device's C2D message to on Artemis (its MQTT topic in core syntax). */
    public static String artemisC2dAddress(String deviceId) {
        return "devices." + deviceId + ".messages.devicebound.c2d";
    }

    @Override
    public Optional<Credentials> deviceCredentials(String deviceId) {
        return Optional.empty();
    }

    @Override
    public boolean telemetryNeedsSubscriber() {
        return true;
    }
}
