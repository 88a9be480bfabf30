package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;
import com.microsoft.azure.sdk.iot.device.IotHubStatusCode;
import com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubDeviceMaximumQueueDepthExceededException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubNotFoundException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubPreconditionFailedException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubUnauthorizedException;
import com.microsoft.azure.sdk.iot.service.messaging.DeliveryAcknowledgement;
import com.microsoft.azure.sdk.iot.service.messaging.FeedbackRecord;
import com.microsoft.azure.sdk.iot.service.messaging.FeedbackStatusCode;
import com.microsoft.azure.sdk.iot.service.messaging.IotHubServiceClientProtocol;
import com.microsoft.azure.sdk.iot.service.messaging.Message;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClient;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClientOptions;
import com.microsoft.azure.sdk.iot.service.messaging.SendResult;
import com.microsoft.azure.sdk.iot.service.registry.Device;
import com.microsoft.azure.sdk.iot.service.registry.DeviceConnectionState;
import com.microsoft.azure.sdk.iot.service.registry.DeviceStatus;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import com.microsoft.azure.sdk.iot.service.registry.RegistryStatistics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The lifecycle suite of the official Azure IoT device SDK (iot-device-client) and service SDK (iot-service-client)
 * for Java, unmodified, against a hub on the ports the SDKs hard-code: MQTTS 8883, AMQPS 5671, HTTPS 443. The SDKs
 * dial {@code hub.gatehouse.test}, which failsafe's hosts file maps to 127.0.0.1 (docs/tls-and-host-names.md), and
 * trust only the hub's development CA. Each subclass starts the hub its own way: one packaged gateway process
 * ({@link AzureSdkStandardPortsIT}), or three cluster nodes behind a load balancer ({@link AzureSdkOnClusterIT}); the
 * tests are the same, word for word.
 *
 * <p>One hub serves the whole class; only the subclasses bind the standard ports, and failsafe runs IT classes one
 * after another, so nothing else of ours binds them meanwhile.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AzureSdkLifecycleSuite {

    static final String HOST = "hub.gatehouse.test";
    static final int PARTITIONS = 2;
    private static final int MAX_DELIVERY_COUNT = 2;
    private static final int QUEUE_DEPTH = 50;
    private static final Duration WAIT = AzureServiceSide.WAIT;

    /** The hub's settings the suite's assertions depend on, in the gateway's YAML. */
    private static final String SUITE_CONFIG = """
            events: {partitionCount: %d}
            cloudToDevice:
              maxDeliveryCount: %d
              feedback: {batchWindowAsIso8601: PT0.05S}
            """.formatted(PARTITIONS, MAX_DELIVERY_COUNT);

    private HubEndpoint hub;
    private AzureServiceSide service;
    private SSLContext trustOnlyGatewayCa;
    private RestClient rest;
    private RegistryClient registry;
    private MessagingClient messaging;
    private final List<DeviceClient> deviceClients = new ArrayList<>();

    /**
     * Starts the hub with {@code hostName} {@link #HOST}, clients reaching it on 127.0.0.1:8883, 5671 and 443, and
     * {@code suiteConfig} among its settings.
     */
    protected abstract HubEndpoint startHub(Path dir, String suiteConfig) throws Exception;

    /** What the hub logged so far, all its processes together. */
    protected abstract String hubLog() throws IOException;

    protected abstract void stopHub() throws Exception;

    @BeforeAll
    void startHubAndServiceClients(@TempDir Path dir) throws Exception {
        StandardPorts.requireBindable();
        hub = startHub(dir, SUITE_CONFIG);
        assertThat(hub.serviceConnectionString()).startsWith("HostName=" + HOST + ";");

        service = new AzureServiceSide(hub, PARTITIONS);
        trustOnlyGatewayCa = service.trustOnlyGatewayCa;
        rest = service.rest;
        registry = service.registry;
        messaging = service.messaging;
    }

    @AfterAll
    void stopEverything() throws Exception {
        try {
            SdkClients.closeAll(deviceClients, DeviceClient::close);
            SdkClients.close(service, AzureServiceSide::close);
        } finally {
            stopHub();
        }
    }

    // ------------------------------------------------------------------ registry over HTTPS 443

    @Test
    void registryClientAddsGetsUpdatesAndDeletesADevice() throws Exception {
        Device request = new Device("it-registry"); // the SDK generates the keys and sends them (docs/protocols.md#registry-rest)
        Device added = registry.addDevice(request);
        assertThat(added.getDeviceId()).isEqualTo("it-registry");
        assertThat(added.getGenerationId()).isNotBlank();
        assertThat(added.getETag()).isNotBlank();
        assertThat(added.getStatus()).isEqualTo(DeviceStatus.Enabled);
        assertThat(added.getPrimaryKey()).isNotBlank().isEqualTo(request.getPrimaryKey());
        assertThat(added.getSecondaryKey()).isNotBlank().isEqualTo(request.getSecondaryKey());

        Device got = registry.getDevice("it-registry");
        assertThat(got.getGenerationId()).isEqualTo(added.getGenerationId());
        assertThat(got.getETag()).isEqualTo(added.getETag());
        assertThat(got.getPrimaryKey()).isEqualTo(added.getPrimaryKey());
        assertThat(got.getSecondaryKey()).isEqualTo(added.getSecondaryKey());
        assertThat(got.getConnectionState()).isEqualTo(DeviceConnectionState.Disconnected);
        assertThat(got.getCloudToDeviceMessageCount()).isZero();

        got.setStatus(DeviceStatus.Disabled);
        Device updated = registry.updateDevice(got);
        assertThat(updated.getStatus()).isEqualTo(DeviceStatus.Disabled);
        assertThat(updated.getETag()).as("an update changes the etag").isNotEqualTo(added.getETag());
        assertThat(updated.getGenerationId()).isEqualTo(added.getGenerationId());
        assertThat(registry.getDevice("it-registry").getStatus()).isEqualTo(DeviceStatus.Disabled);

        RegistryStatistics statistics = registry.getStatistics();
        assertThat(statistics.getTotalDeviceCount()).isGreaterThanOrEqualTo(1);
        assertThat(statistics.getDisabledDeviceCount()).isGreaterThanOrEqualTo(1);

        // removeDevice(Device) sends the device's etag as If-Match: the stale one is refused, the current one deletes
        assertThatThrownBy(() -> registry.removeDevice(added)).isInstanceOf(IotHubPreconditionFailedException.class);
        registry.removeDevice(updated);
        assertThatThrownBy(() -> registry.getDevice("it-registry")).isInstanceOf(IotHubNotFoundException.class);
    }

    // ------------------------------------------------------------------ telemetry over MQTTS 8883 and AMQPS 5671

    @ParameterizedTest
    @EnumSource(value = IotHubClientProtocol.class, names = {"MQTT", "AMQPS"})
    void telemetryReachesTheEventStreamWithItsPropertiesAndTheDeviceStamp(IotHubClientProtocol protocol) throws Exception {
        String deviceId = "it-telemetry-" + protocol.name().toLowerCase();
        DeviceClient client = openDevice(registry.addDevice(new Device(deviceId)), protocol, null);
        com.microsoft.azure.sdk.iot.device.Message message =
                new com.microsoft.azure.sdk.iot.device.Message("{\"temperature\":21.5}");
        message.setMessageId("tm-" + protocol);
        message.setCorrelationId("corr-" + protocol);
        message.setContentType("application/json");
        message.setContentEncoding("utf-8");
        message.setProperty("alert", "high temperature & rising");
        message.setProperty("site", "north/2");
        client.sendEvent(message); // returns once the gateway acknowledged: the event is durable

        JsonNode event = awaitEvent("tm-" + protocol);
        assertThat(event.path("deviceId").asText()).as("stamped from the authenticated connection").isEqualTo(deviceId);
        assertThat(event.path("body").asText()).isEqualTo("{\"temperature\":21.5}");
        JsonNode system = event.path("systemProperties");
        assertThat(system.path("correlationId").asText()).isEqualTo("corr-" + protocol);
        assertThat(system.path("contentType").asText()).isEqualTo("application/json");
        assertThat(system.path("contentEncoding").asText()).isEqualTo("utf-8");
        JsonNode properties = event.path("properties");
        assertThat(properties.path("alert").asText()).isEqualTo("high temperature & rising");
        assertThat(properties.path("site").asText()).isEqualTo("north/2");
        assertThat(event.path("enqueuedTime").asText()).isNotBlank();
    }

    // ------------------------------------------------------------------ C2D with feedback

    @Test
    void mqttDeviceReceivesAC2dMessageCompletesItAndTheServiceGetsSuccessFeedback() throws Exception {
        Device device = registry.addDevice(new Device("it-c2d-mqtt"));
        BlockingQueue<com.microsoft.azure.sdk.iot.device.Message> received = new LinkedBlockingQueue<>();
        openDevice(device, IotHubClientProtocol.MQTT, m -> {
            received.add(m);
            return IotHubMessageResult.COMPLETE; // over MQTT the SDK PUBACKs whatever this returns (docs/protocols.md#mqtt-311)
        });
        Message command = c2d("mqtt-c2d-1", DeliveryAcknowledgement.Full);
        command.setCorrelationId("mqtt-corr-1");
        command.getProperties().put("command", "reboot now");
        command.getProperties().put("path", "/a&b=c");
        messaging.send(device.getDeviceId(), command);

        com.microsoft.azure.sdk.iot.device.Message got = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(got).as("C2D message received over MQTT").isNotNull();
        assertThat(got.getMessageId()).isEqualTo("mqtt-c2d-1");
        assertThat(got.getCorrelationId()).isEqualTo("mqtt-corr-1");
        assertThat(got.getProperty("command")).isEqualTo("reboot now");
        assertThat(got.getProperty("path")).isEqualTo("/a&b=c");
        assertThat(new String(got.getBytes(), StandardCharsets.UTF_8)).isEqualTo("command mqtt-c2d-1");

        FeedbackRecord record = awaitFeedback("mqtt-c2d-1");
        assertThat(record.getStatusCode()).isEqualTo(FeedbackStatusCode.success);
        assertThat(record.getDeviceId()).isEqualTo("it-c2d-mqtt");
        assertThat(record.getDeviceGenerationId()).isEqualTo(device.getGenerationId());
        assertThat(record.getEnqueuedTimeUtc()).isNotNull();
        assertThat(registry.getDevice("it-c2d-mqtt").getCloudToDeviceMessageCount()).isZero();
    }

    @Test
    void messagesSentWhileAnMqttDeviceIsOfflineArriveWhenItReconnects() throws Exception {
        Device device = registry.addDevice(new Device("it-offline-mqtt"));
        BlockingQueue<com.microsoft.azure.sdk.iot.device.Message> received = new LinkedBlockingQueue<>();
        Function<com.microsoft.azure.sdk.iot.device.Message, IotHubMessageResult> collect = m -> {
            received.add(m);
            return IotHubMessageResult.COMPLETE;
        };
        DeviceClient first = openDevice(device, IotHubClientProtocol.MQTT, collect);
        first.close();
        messaging.send(device.getDeviceId(), c2d("while-offline", DeliveryAcknowledgement.PositiveOnly));
        assertThat(registry.getDevice("it-offline-mqtt").getConnectionState()).isEqualTo(DeviceConnectionState.Disconnected);
        assertThat(received).isEmpty();

        openDevice(device, IotHubClientProtocol.MQTT, collect);
        com.microsoft.azure.sdk.iot.device.Message got = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(got).as("queued C2D message delivered after the reconnect").isNotNull();
        assertThat(got.getMessageId()).isEqualTo("while-offline");
        assertThat(awaitFeedback("while-offline").getStatusCode()).isEqualTo(FeedbackStatusCode.success);
        assertThat(registry.getDevice("it-offline-mqtt").getConnectionState()).isEqualTo(DeviceConnectionState.Connected);
    }

    @ParameterizedTest
    @EnumSource(value = IotHubClientProtocol.class, names = {"MQTT", "AMQPS"})
    void aDisabledDeviceCannotConnect(IotHubClientProtocol protocol) throws Exception {
        Device device = new Device("it-disabled-" + protocol.name().toLowerCase());
        device.setStatus(DeviceStatus.Disabled);
        Device added = registry.addDevice(device);
        assertThat(added.getStatus()).isEqualTo(DeviceStatus.Disabled);
        assertThatThrownBy(() -> openDevice(added, protocol, null))
                .isInstanceOfSatisfying(IotHubClientException.class,
                        e -> assertThat(e.getStatusCode()).isEqualTo(IotHubStatusCode.UNAUTHORIZED));
    }

    @Test
    void amqpDeviceAbandonsThenCompletesAndRejectsAndTheServiceGetsFeedbackForEach() throws Exception {
        Device device = registry.addDevice(new Device("it-c2d-amqp"));
        List<String> deliveries = new CopyOnWriteArrayList<>();
        openDevice(device, IotHubClientProtocol.AMQPS, m -> {
            deliveries.add(m.getMessageId());
            if (m.getMessageId().equals("reject-me")) {
                return IotHubMessageResult.REJECT;
            }
            // the first delivery of the other one is abandoned, its redelivery completed
            return deliveries.stream().filter(m.getMessageId()::equals).count() == 1
                    ? IotHubMessageResult.ABANDON : IotHubMessageResult.COMPLETE;
        });
        messaging.send(device.getDeviceId(), c2d("abandon-then-complete", DeliveryAcknowledgement.Full));
        messaging.send(device.getDeviceId(), c2d("reject-me", DeliveryAcknowledgement.Full));

        FeedbackRecord completed = awaitFeedback("abandon-then-complete");
        FeedbackRecord rejected = awaitFeedback("reject-me");
        assertThat(deliveries).as("the abandoned message came back").containsOnlyOnce("reject-me")
                .filteredOn("abandon-then-complete"::equals).hasSize(2);
        assertThat(completed.getStatusCode()).isEqualTo(FeedbackStatusCode.success);
        assertThat(rejected.getStatusCode()).isEqualTo(FeedbackStatusCode.rejected);
        for (FeedbackRecord record : List.of(completed, rejected)) {
            assertThat(record.getDeviceId()).isEqualTo("it-c2d-amqp");
            assertThat(record.getDeviceGenerationId()).isEqualTo(device.getGenerationId());
        }
        assertThat(registry.getDevice("it-c2d-amqp").getCloudToDeviceMessageCount()).isZero();
    }

    @Test
    void aMessageAbandonedMaxDeliveryCountTimesEndsWithDeliveryCountExceeded() throws Exception {
        // the device SDK does not expose the delivery count; this shows it grows: the message is offered exactly
        // maxDeliveryCount times, then dead-lettered
        Device device = registry.addDevice(new Device("it-c2d-exceeded"));
        List<String> deliveries = new CopyOnWriteArrayList<>();
        openDevice(device, IotHubClientProtocol.AMQPS, m -> {
            deliveries.add(m.getMessageId());
            return IotHubMessageResult.ABANDON;
        });
        messaging.send(device.getDeviceId(), c2d("always-abandoned", DeliveryAcknowledgement.NegativeOnly));

        FeedbackRecord record = awaitFeedback("always-abandoned");
        assertThat(record.getStatusCode()).isEqualTo(FeedbackStatusCode.deliveryCountExceeded);
        assertThat(record.getDeviceId()).isEqualTo("it-c2d-exceeded");
        assertThat(deliveries).containsExactly("always-abandoned", "always-abandoned");
        assertThat(deliveries).hasSize(MAX_DELIVERY_COUNT);
    }

    // ------------------------------------------------------------------ errors the service SDK maps to its exceptions

    @Test
    void unknownDeviceAndFullQueueAreTheSdksExceptionsAndPurgeMakesRoom() throws Exception {
        assertThatThrownBy(() -> messaging.send("it-nobody", c2d("to-nobody", DeliveryAcknowledgement.None)))
                .isInstanceOf(IotHubNotFoundException.class);

        Device device = registry.addDevice(new Device("it-full"));
        List<Message> fill = new ArrayList<>(List.of(c2d("fill-0", DeliveryAcknowledgement.Full)));
        for (int i = 1; i < QUEUE_DEPTH; i++) {
            fill.add(c2d("fill-" + i, DeliveryAcknowledgement.None));
        }
        sendAll("it-full", fill);
        assertThatThrownBy(() -> messaging.send("it-full", c2d("one-too-many", DeliveryAcknowledgement.None)))
                .isInstanceOf(IotHubDeviceMaximumQueueDepthExceededException.class);
        assertThat(registry.getDevice("it-full").getCloudToDeviceMessageCount()).isEqualTo(QUEUE_DEPTH);
        await().atMost(WAIT).untilAsserted(() -> assertThat(hubLog())
                .containsOnlyOnce("refused C2D send of device it-nobody: DeviceNotFound")
                .containsOnlyOnce("refused C2D send of device it-full: IotHubDeviceMaximumQueueDepthExceeded"));

        // iot-service-client 2.x has no purge call: IoT Hub's REST purge (docs/protocols.md#registry-rest)
        JsonNode purged = rest.json("DELETE", "/devices/it-full/commands", null);
        assertThat(purged.path("deviceId").asText()).isEqualTo("it-full");
        assertThat(purged.path("totalMessagesPurged").asInt()).isEqualTo(QUEUE_DEPTH);
        messaging.send("it-full", c2d("after-purge", DeliveryAcknowledgement.None));
        assertThat(registry.getDevice("it-full").getCloudToDeviceMessageCount()).isEqualTo(1);

        // the SDK has no constant for "Purged": it parses it as unknown and keeps the description
        FeedbackRecord record = awaitFeedback("fill-0");
        assertThat(record.getStatusCode()).isEqualTo(FeedbackStatusCode.unknown);
        assertThat(record.getDescription()).isEqualTo("Message purged");
        assertThat(record.getDeviceId()).isEqualTo("it-full");
        assertThat(record.getDeviceGenerationId()).isEqualTo(device.getGenerationId());
    }

    @Test
    void aServiceWithAWrongKeyGetsTheSdksUnauthorizedExceptionOverAmqpsAndHttps() throws Exception {
        String wrongKey = hub.serviceConnectionString()
                .replaceAll("SharedAccessKey=[^;]+", "SharedAccessKey=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        MessagingClient impostor = new MessagingClient(wrongKey, IotHubServiceClientProtocol.AMQPS,
                MessagingClientOptions.builder().sslContext(trustOnlyGatewayCa).build());
        try {
            assertThatThrownBy(impostor::open).isInstanceOf(IotHubUnauthorizedException.class);
        } finally {
            // after a failed open the SDK's reactor has already stopped; close() would wait its full 5 s for it
            impostor.close(1);
        }
        assertThatThrownBy(() -> new RegistryClient(wrongKey).getDevice("it-anyone"))
                .isInstanceOf(IotHubUnauthorizedException.class);
    }

    // ------------------------------------------------------------------ lifecycle timing

    @Test
    void aMessageNobodyReceivesExpiresAndTheServiceGetsExpiredFeedback() throws Exception {
        Device device = registry.addDevice(new Device("it-expiry"));
        Message message = c2d("expires-soon", DeliveryAcknowledgement.NegativeOnly);
        message.setExpiryTimeUtc(new Date(System.currentTimeMillis() + 2_000));
        messaging.send(device.getDeviceId(), message);
        assertThat(registry.getDevice("it-expiry").getCloudToDeviceMessageCount()).isEqualTo(1);

        FeedbackRecord record = awaitFeedback("expires-soon");
        assertThat(record.getStatusCode()).isEqualTo(FeedbackStatusCode.expired);
        assertThat(record.getDeviceId()).isEqualTo("it-expiry");
        assertThat(record.getDeviceGenerationId()).isEqualTo(device.getGenerationId());
        assertThat(registry.getDevice("it-expiry").getCloudToDeviceMessageCount()).as("dead-lettered").isZero();
    }

    // ------------------------------------------------------------------ helpers

    private DeviceClient openDevice(Device device, IotHubClientProtocol protocol,
            Function<com.microsoft.azure.sdk.iot.device.Message, IotHubMessageResult> onC2d) throws Exception {
        String connectionString = "HostName=" + HOST + ";DeviceId=" + device.getDeviceId()
                + ";SharedAccessKey=" + device.getPrimaryKey();
        DeviceClient client = new DeviceClient(connectionString, protocol,
                ClientOptions.builder().sslContext(trustOnlyGatewayCa).build());
        if (onC2d != null) {
            client.setMessageCallback((message, context) -> onC2d.apply(message), null);
        }
        client.open(false);
        deviceClients.add(client);
        return client;
    }

    /**
     * Sends without waiting for each outcome in turn: the SDK's sender drains its queue every 200 ms, so 50
     * synchronous sends would take 10 s.
     */
    private void sendAll(String deviceId, List<Message> messages) throws Exception {
        List<CompletableFuture<SendResult>> results = new ArrayList<>();
        for (Message message : messages) {
            CompletableFuture<SendResult> result = new CompletableFuture<>();
            messaging.sendAsync(deviceId, message, result::complete, null);
            results.add(result);
        }
        for (CompletableFuture<SendResult> result : results) {
            SendResult sent = result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(sent.wasSentSuccessfully()).as("sent: %s", sent.getException()).isTrue();
        }
    }

    private static Message c2d(String messageId, DeliveryAcknowledgement ack) {
        return AzureServiceSide.c2d(messageId, ack);
    }

    private FeedbackRecord awaitFeedback(String originalMessageId) {
        return service.awaitFeedback(originalMessageId);
    }

    private JsonNode awaitEvent(String messageId) {
        return service.awaitEvent(messageId);
    }
}
