package io.gatehouse.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.core.methods.MethodCall;
import io.gatehouse.core.methods.MethodResult;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.mqtt.support.MqttTestServer;
import io.gatehouse.mqtt.support.RawMqttClient;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Device twins and direct methods over MQTT, packet by packet (docs/twins-and-methods.md). */
class TwinAndMethodTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DeviceId D1 = DeviceId.of("d1");

    private MqttTestServer server;
    private RawMqttClient client;

    @BeforeEach
    void connect() throws IOException {
        server = MqttTestServer.start();
        server.createDevice("d1");
        client = new RawMqttClient(server.port());
        client.send(RawMqttClient.connect("d1", MqttTestServer.userName("d1"), server.token("d1"), true, 60));
        assertThat(client.receive(WAIT).fixedHeader().messageType()).isEqualTo(MqttMessageType.CONNACK);
        client.send(MqttMessageBuilders.subscribe().messageId(1)
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "$iothub/twin/res/#")
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "$iothub/twin/PATCH/properties/desired/#")
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "$iothub/methods/POST/#").build());
        assertThat(client.receive(WAIT).fixedHeader().messageType()).isEqualTo(MqttMessageType.SUBACK);
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    private void publish(String topic, MqttQoS qos, int packetId, String payload) throws IOException {
        client.send(MqttMessageBuilders.publish().topicName(topic).qos(qos).messageId(packetId).retained(false)
                .payload(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8)).build());
    }

    /** The next PUBLISH from the server (skipping PUBACKs), as topic and payload. */
    private Received nextPublish() throws IOException {
        while (true) {
            MqttMessage message = client.receive(WAIT);
            if (message instanceof MqttPublishMessage publish) {
                try {
                    assertThat(publish.fixedHeader().qosLevel()).isEqualTo(MqttQoS.AT_MOST_ONCE);
                    return new Received(publish.variableHeader().topicName(),
                            new String(ByteBufUtil.getBytes(publish.payload()), StandardCharsets.UTF_8));
                } finally {
                    publish.release();
                }
            }
            assertThat(message).isInstanceOf(MqttPubAckMessage.class);
        }
    }

    private record Received(String topic, String payload) {
        JsonNode json() throws IOException {
            return JSON.readTree(payload);
        }
    }

    @Test
    void getAnswersTheTwinsPropertiesAndAReportedPatchAnswers204WithTheNewVersion() throws IOException {
        publish("$iothub/twin/GET/?$rid=1", MqttQoS.AT_LEAST_ONCE, 10, "");
        MqttMessage ack = client.receive(WAIT);
        assertThat(ack).isInstanceOf(MqttPubAckMessage.class);
        assertThat(((MqttPubAckMessage) ack).variableHeader().messageId()).isEqualTo(10);
        Received twin = nextPublish();
        assertThat(twin.topic()).isEqualTo("$iothub/twin/res/200/?$rid=1");
        assertThat(twin.json().at("/desired/$version").asLong()).isEqualTo(1);

        publish("$iothub/twin/PATCH/properties/reported/?$rid=2&$version=1", MqttQoS.AT_MOST_ONCE, 0, "{\"fw\":\"1.0\"}");
        assertThat(nextPublish().topic()).isEqualTo("$iothub/twin/res/204/?$rid=2&$version=2");
        assertThat(server.core.twins().get(D1).orElseThrow().reported().values().get("fw").asText()).isEqualTo("1.0");

        publish("$iothub/twin/PATCH/properties/reported/?$rid=3", MqttQoS.AT_MOST_ONCE, 0, "[1,2]");
        assertThat(nextPublish().topic()).isEqualTo("$iothub/twin/res/400/?$rid=3");
        publish("$iothub/twin/PATCH/properties/reported/?$rid=4", MqttQoS.AT_MOST_ONCE, 0, "{\"a.b\":1}");
        assertThat(nextPublish().topic()).isEqualTo("$iothub/twin/res/400/?$rid=4");
        publish("$iothub/twin/DELETE/?$rid=5", MqttQoS.AT_MOST_ONCE, 0, "");
        assertThat(nextPublish().topic()).isEqualTo("$iothub/twin/res/400/?$rid=5");
        assertThat(server.core.twins().get(D1).orElseThrow().reported().version()).isEqualTo(2);
    }

    @Test
    void desiredPatchesArePublishedInVersionOrderOnce() throws IOException {
        for (int i = 1; i <= 3; i++) {
            server.core.twins().patch(D1, null, null, JSON.readTree("{\"rate\":" + i + "}")).join();
        }
        for (int version = 2; version <= 4; version++) {
            Received patch = nextPublish();
            assertThat(patch.topic()).isEqualTo("$iothub/twin/PATCH/properties/desired/?$version=" + version);
            assertThat(patch.json().get("rate").asInt()).isEqualTo(version - 1);
            assertThat(patch.json().get("$version").asInt()).isEqualTo(version);
        }
        client.send(MqttMessageBuilders.unsubscribe().messageId(2).addTopicFilter("$iothub/twin/PATCH/properties/desired/#").build());
        assertThat(client.receive(WAIT).fixedHeader().messageType()).isEqualTo(MqttMessageType.UNSUBACK);
        server.core.twins().patch(D1, null, null, JSON.readTree("{\"rate\":9}")).join();
        client.send(RawMqttClient.pingReq());
        assertThat(client.receive(WAIT).fixedHeader().messageType()).as("no patch after UNSUBSCRIBE").isEqualTo(MqttMessageType.PINGRESP);
    }

    @Test
    void aMethodIsPublishedAndItsAnswerCompletesTheInvocation() throws Exception {
        CompletableFuture<MethodResult> result = server.core.methods().invoke(D1, new MethodCall("reboot",
                "{\"in\":1}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30), Duration.ZERO));
        Received request = nextPublish();
        assertThat(request.topic()).startsWith("$iothub/methods/POST/reboot/?$rid=");
        assertThat(request.payload()).isEqualTo("{\"in\":1}");
        String rid = request.topic().substring(request.topic().indexOf("$rid=") + 5);
        publish("$iothub/methods/res/201/?$rid=" + rid, MqttQoS.AT_LEAST_ONCE, 11, "{\"done\":true}");
        MethodResult answer = result.get(10, TimeUnit.SECONDS);
        assertThat(answer.status()).isEqualTo(201);
        assertThat(new String(answer.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"done\":true}");

        // a late or unknown answer is dropped; the device stays connected
        publish("$iothub/methods/res/200/?$rid=" + rid, MqttQoS.AT_MOST_ONCE, 0, "{}");
        client.send(RawMqttClient.pingReq());
        assertThat(client.receive(WAIT).fixedHeader().messageType()).isIn(MqttMessageType.PUBACK, MqttMessageType.PINGRESP);
    }

    @Test
    void aTwinRequestWithoutRequestIdClosesTheConnection() throws IOException {
        publish("$iothub/twin/GET/", MqttQoS.AT_MOST_ONCE, 0, "");
        client.awaitClosed(WAIT);
    }

    @Test
    void aPublishToTheMethodRequestTopicClosesTheConnection() throws IOException {
        publish("$iothub/methods/POST/x/?$rid=1", MqttQoS.AT_MOST_ONCE, 0, "");
        client.awaitClosed(WAIT);
    }

    @Test
    void theConnectionsSubscriptionsEndWithIt() throws Exception {
        client.close();
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> !server.core.connections().isConnected(D1));
        CompletableFuture<MethodResult> result = server.core.methods().invoke(D1, new MethodCall("x", new byte[0],
                Duration.ofSeconds(30), Duration.ZERO));
        assertThat(result).failsWithin(WAIT).withThrowableThat().withMessageContaining("not online");
    }
}
