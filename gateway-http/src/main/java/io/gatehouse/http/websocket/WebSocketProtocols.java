package io.gatehouse.http.websocket;

import io.gatehouse.transport.ProtocolHandlers;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The device protocols served over WebSockets on the HTTPS listener, by subprotocol name: IoT Hub's
 * {@code mqtt} (MQTT 3.1.1) and {@code AMQPWSB10} (AMQP 1.0), each with the limits of its frames.
 */
public final class WebSocketProtocols {

    public static final String MQTT = "mqtt";
    public static final String AMQP = "AMQPWSB10";
    /** IoT Hub's path for both; the SDKs add a query ({@code ?iothub-no-client-cert=true}). */
    public static final String PATH = "/$iothub/websocket";

    private final Map<String, ProtocolHandlers> byName;
    private final int maxFramePayload;

    /**
     * @param maxFramePayload the largest WebSocket frame accepted: above the largest packet or frame of the
     *                        protocols (clients send one protocol packet per WebSocket frame), below memory worries
     */
    public WebSocketProtocols(Map<String, ProtocolHandlers> byName, int maxFramePayload) {
        this.byName = new LinkedHashMap<>(byName);
        this.maxFramePayload = maxFramePayload;
    }

    public static WebSocketProtocols none() {
        return new WebSocketProtocols(Map.of(), 0);
    }

    public boolean isEmpty() {
        return byName.isEmpty();
    }

    int maxFramePayload() {
        return maxFramePayload;
    }

    ProtocolHandlers handlers(String subprotocol) {
        return byName.get(subprotocol);
    }

    /** The first subprotocol the client offers ({@code Sec-WebSocket-Protocol}, comma-separated) that is served. */
    Optional<String> select(String offered) {
        if (offered == null) {
            return Optional.empty();
        }
        for (String name : offered.split(",")) {
            String trimmed = name.trim();
            if (byName.containsKey(trimmed)) {
                return Optional.of(trimmed);
            }
        }
        return Optional.empty();
    }
}
