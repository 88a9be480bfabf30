package io.gatehouse.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.gatehouse.core.auth.SasTokens;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** MQTT device clients of a gateway process (plain listener, IoT Hub user name, SAS token), and C2D topic parsing. */
final class MqttDevices {

    private MqttDevices() {
    }

    /** A not yet connected client for {@code deviceId}, signed with its {@code key} for an hour. */
    static Mqtt3AsyncClient client(GatewayProcess gateway, String deviceId, String key) {
        String token = SasTokens.deviceToken("localhost", deviceId, key, Instant.now().plusSeconds(3600));
        return MqttClient.builder().useMqttVersion3().identifier(deviceId).serverHost("127.0.0.1")
                .serverPort(gateway.port("mqtt-plain"))
                .simpleAuth().username("localhost/" + deviceId + "/?api-version=2021-04-12")
                .password(token.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                .buildAsync();
    }

    /** The {@code $.mid} of a C2D topic's property bag, or null when it has none. */
    static String messageId(String topic) {
        int mid = topic.indexOf("%24.mid=");
        if (mid < 0) {
            return null;
        }
        int end = topic.indexOf('&', mid);
        return topic.substring(mid + 8, end < 0 ? topic.length() : end);
    }
}
