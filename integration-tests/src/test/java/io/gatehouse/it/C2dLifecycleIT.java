package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cloud-to-device lifecycle through the packaged gateway process, each outcome with its feedback record:
 * devices on MQTT (HiveMQ client), the service side over REST (send, purge, feedback). A short lock (1 s) and a
 * maximum delivery count of 2 make lock timeouts and dead-lettering observable in seconds. Rejection has no MQTT
 * path (by design); it is covered over AMQP with the Azure SDK.
 */
class C2dLifecycleIT {

    private static final String KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final List<String> DEVICES = List.of("d-complete", "d-abandon", "d-lock", "d-expire", "d-full");
    private static final int QUEUE_DEPTH = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static GatewayProcess gateway;
    private static RestClient rest;
    private static C2dServiceClient service;
    private final List<Mqtt3AsyncClient> clients = new ArrayList<>();

    @BeforeAll
    static void startGateway() throws Exception {
        gateway = C2dServiceClient.lifecycleGateway(dir.resolve("data"), DEVICES, KEY, "cloudToDevice.maxQueueDepth=" + QUEUE_DEPTH);
        gateway.start();
        rest = new RestClient(gateway);
        service = new C2dServiceClient(rest);
    }

    @AfterAll
    static void stopGateway() throws Exception {
        if (gateway != null) {
            assertThat(gateway.stop()).isIn(0, 143);
        }
    }

    @AfterEach
    void disconnectDevices() {
        clients.forEach(c -> c.disconnect().exceptionally(e -> null).join());
    }

    @Test
    void aCompletedMessageGivesSuccessFeedback() throws Exception {
        List<Mqtt3Publish> received = new CopyOnWriteArrayList<>();
        subscribe("d-complete", received, false);
        send("d-complete", "m-complete", "positive", null);

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 1);
        assertThat(messageIdOf(received.get(0))).isEqualTo("m-complete");
        JsonNode record = awaitFeedback("m-complete");
        assertThat(record.get("statusCode").asText()).isEqualTo("Success");
        assertThat(record.get("deviceId").asText()).isEqualTo("d-complete");
        assertThat(record.get("enqueuedTimeUtc").asText()).isNotBlank();
    }

    @Test
    void aMessageInFlightWhenTheDeviceDisconnectsIsRedeliveredAndThenCompleted() throws Exception {
        List<Mqtt3Publish> first = new CopyOnWriteArrayList<>();
        Mqtt3AsyncClient unacknowledging = subscribe("d-abandon", first, true);
        send("d-abandon", "m-abandon", "full", null);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !first.isEmpty());
        unacknowledging.disconnect().get(10, TimeUnit.SECONDS);
        clients.remove(unacknowledging);

        List<Mqtt3Publish> second = new CopyOnWriteArrayList<>();
        subscribe("d-abandon", second, false);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !second.isEmpty());
        assertThat(messageIdOf(second.get(0))).isEqualTo("m-abandon");
        JsonNode record = awaitFeedback("m-abandon");
        assertThat(record.get("statusCode").asText()).isEqualTo("Success");
        assertThat(abandonedCount()).isPositive();
    }

    @Test
    void anUnacknowledgedLockTimesOutAndTheMaxDeliveryCountDeadLettersIt() throws Exception {
        List<Mqtt3Publish> received = new CopyOnWriteArrayList<>();
        subscribe("d-lock", received, true);
        send("d-lock", "m-lock", "negative", null);

        // delivered, lock times out (1 s), delivered again on the same connection, times out again: dead-lettered
        JsonNode record = awaitFeedback("m-lock");
        assertThat(record.get("statusCode").asText()).isEqualTo("DeliveryCountExceeded");
        assertThat(record.get("deviceId").asText()).isEqualTo("d-lock");
        assertThat(received).hasSize(2).allSatisfy(p -> assertThat(messageIdOf(p)).isEqualTo("m-lock"));
        assertThat(queueDepth("d-lock")).isZero();
    }

    @Test
    void aMessageThatExpiresBeforeDeliveryIsDeadLetteredWithExpiredFeedback() throws Exception {
        send("d-expire", "m-expire", "full", Instant.now().plusSeconds(1));

        JsonNode record = awaitFeedback("m-expire");
        assertThat(record.get("statusCode").asText()).isEqualTo("Expired");
        assertThat(record.get("deviceId").asText()).isEqualTo("d-expire");
        // a device connecting afterwards never gets it
        List<Mqtt3Publish> received = new CopyOnWriteArrayList<>();
        subscribe("d-expire", received, false);
        send("d-expire", "m-after", "none", null);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !received.isEmpty());
        assertThat(received).extracting(C2dLifecycleIT::messageIdOf).containsExactly("m-after");
    }

    @Test
    void aFullQueueRefusesTheNextMessageAndAPurgeMakesRoomWithPurgedFeedback() throws Exception {
        for (int i = 0; i < QUEUE_DEPTH; i++) {
            send("d-full", "m-full-" + i, "full", null);
        }
        HttpResponse<String> refused = post("d-full", "m-full-over", "full", null);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(refused.body()).get("Message").asText())
                .startsWith("ErrorCode:IotHubDeviceMaximumQueueDepthExceeded;");

        JsonNode purge = rest.json("DELETE", "/devices/d-full/commands", null);
        assertThat(purge.get("deviceId").asText()).isEqualTo("d-full");
        assertThat(purge.get("totalMessagesPurged").asInt()).isEqualTo(QUEUE_DEPTH);
        for (int i = 0; i < QUEUE_DEPTH; i++) {
            assertThat(awaitFeedback("m-full-" + i).get("statusCode").asText()).isEqualTo("Purged");
        }
        assertThat(post("d-full", "m-full-after", "none", null).statusCode()).isEqualTo(201);
        assertThat(queueDepth("d-full")).isEqualTo(1);
    }

    // ------------------------------------------------------------ helpers

    private static void send(String device, String messageId, String ack, Instant expiry) throws Exception {
        service.send(device, messageId, ack, expiry);
    }

    private static HttpResponse<String> post(String device, String messageId, String ack, Instant expiry) throws Exception {
        return service.post(device, messageId, ack, expiry);
    }

    private static JsonNode awaitFeedback(String messageId) {
        return service.awaitFeedback(messageId);
    }

    private static long abandonedCount() throws Exception {
        return service.abandonedCount();
    }

    private static int queueDepth(String device) throws Exception {
        return service.queueDepth(device);
    }

    /** Connects {@code device} and subscribes to its C2D topic; with manual acknowledgement nothing is PUBACKed. */
    private Mqtt3AsyncClient subscribe(String device, List<Mqtt3Publish> received, boolean neverAcknowledge)
            throws Exception {
        Mqtt3AsyncClient client = MqttDevices.client(gateway, device, KEY);
        client.publishes(MqttGlobalPublishFilter.ALL, received::add, neverAcknowledge);
        client.connectWith().cleanSession(true).send().get(30, TimeUnit.SECONDS);
        client.subscribeWith().topicFilter("devices/" + device + "/messages/devicebound/#").qos(MqttQos.AT_LEAST_ONCE)
                .send().get(30, TimeUnit.SECONDS);
        clients.add(client);
        return client;
    }

    /** The {@code $.mid} of a C2D PUBLISH's property bag. */
    private static String messageIdOf(Mqtt3Publish publish) {
        String topic = publish.getTopic().toString();
        String mid = MqttDevices.messageId(topic);
        assertThat(mid).as("message id in %s", topic).isNotNull();
        return mid;
    }
}
