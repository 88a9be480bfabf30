package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubNotFoundException;
import com.microsoft.azure.sdk.iot.service.messaging.AcknowledgementType;
import com.microsoft.azure.sdk.iot.service.messaging.DeliveryAcknowledgement;
import com.microsoft.azure.sdk.iot.service.messaging.FeedbackRecord;
import com.microsoft.azure.sdk.iot.service.messaging.FeedbackStatusCode;
import com.microsoft.azure.sdk.iot.service.messaging.IotHubServiceClientProtocol;
import com.microsoft.azure.sdk.iot.service.messaging.Message;
import com.microsoft.azure.sdk.iot.service.messaging.MessageFeedbackProcessorClient;
import com.microsoft.azure.sdk.iot.service.messaging.MessageFeedbackProcessorClientOptions;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClient;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClientOptions;
import com.microsoft.azure.sdk.iot.service.registry.Device;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import io.gatehouse.core.tls.PemFiles;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Azure IoT SDKs, unmodified, against the packaged gateway on the ports they hard-code: 8883 (device
 * MQTT), 5671 (device and service AMQPS) and 443 (registry REST). Host name {@code hub.gatehouse.test} resolves to
 * loopback through the test JVM's hosts file (SPEC §6.5); the SDKs trust only the gateway's development CA.
 * Nothing else may use these ports while this class runs.
 */
class AzureSdkStandardPortsIT {

    private static final String HOST = "hub.gatehouse.test";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    private static GatewayProcess gateway;
    private static SSLContext ssl;
    private static RegistryClient registry;
    private static MessagingClient messaging;
    private static MessageFeedbackProcessorClient feedbackProcessor;
    private static final Queue<FeedbackRecord> feedback = new ConcurrentLinkedQueue<>();
    private static final List<DeviceClient> devices = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayProcess.configured(dir.resolve("data"), """
                hostName: hub.gatehouse.test
                mqtt: {port: 8883, plainPort: 0}
                amqp: {port: 5671, plainPort: 0}
                https: {port: 443}
                """, "--set", "cloudToDevice.feedback.batchWindowAsIso8601=PT0.05S");
        gateway.start();
        ssl = trusting(gateway.caCertificate());
        // the registry client has no TLS option: it uses the JVM's default HTTPS socket factory
        HttpsURLConnection.setDefaultSSLSocketFactory(ssl.getSocketFactory());
        SSLContext.setDefault(ssl);
        String service = gateway.serviceConnectionString();
        registry = new RegistryClient(service);
        messaging = new MessagingClient(service, IotHubServiceClientProtocol.AMQPS,
                MessagingClientOptions.builder().sslContext(ssl).build());
        messaging.open();
        feedbackProcessor = new MessageFeedbackProcessorClient(service, IotHubServiceClientProtocol.AMQPS, batch -> {
            feedback.addAll(batch.getRecords());
            return AcknowledgementType.COMPLETE;
        }, MessageFeedbackProcessorClientOptions.builder().sslContext(ssl).build());
        feedbackProcessor.start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (DeviceClient client : devices) {
            client.close();
        }
        if (feedbackProcessor != null) {
            feedbackProcessor.stop();
        }
        if (messaging != null) {
            messaging.close();
        }
        if (gateway != null) {
            assertThat(gateway.stop()).isIn(0, 143);
        }
    }

    @Test
    void registryClientCreatesReadsUpdatesAndDeletesADevice() throws Exception {
        Device created = registry.addDevice(new Device("sdk-registry"));
        assertThat(created.getDeviceId()).isEqualTo("sdk-registry");
        assertThat(created.getPrimaryKey()).isNotBlank();
        assertThat(created.getGenerationId()).isNotBlank();

        Device read = registry.getDevice("sdk-registry");
        assertThat(read.getPrimaryKey()).isEqualTo(created.getPrimaryKey());
        assertThat(read.getETag()).isNotBlank();

        read.setStatus(com.microsoft.azure.sdk.iot.service.registry.DeviceStatus.Disabled);
        Device updated = registry.updateDevice(read);
        assertThat(updated.getStatus()).isEqualTo(com.microsoft.azure.sdk.iot.service.registry.DeviceStatus.Disabled);
        assertThat(updated.getETag()).isNotEqualTo(read.getETag());

        registry.removeDevice("sdk-registry");
        assertThatThrownBy(() -> registry.getDevice("sdk-registry")).isInstanceOf(IotHubNotFoundException.class);
    }

    @Test
    void deviceSdkTelemetryOverMqttIsStoredWithItsProperties() throws Exception {
        Device device = registry.addDevice(new Device("sdk-mqtt"));
        DeviceClient client = open(device, IotHubClientProtocol.MQTT, null);
        com.microsoft.azure.sdk.iot.device.Message message = new com.microsoft.azure.sdk.iot.device.Message("{\"temp\":21.5}");
        message.setMessageId("tm-mqtt-1");
        message.setContentType("application/json");
        message.setProperty("site", "north");
        client.sendEvent(message);

        JsonNode event = storedEvent("tm-mqtt-1");
        assertThat(event.get("deviceId").asText()).isEqualTo("sdk-mqtt");
        assertThat(event.get("properties").get("site").asText()).isEqualTo("north");
        assertThat(event.get("systemProperties").get("contentType").asText()).isEqualTo("application/json");
        assertThat(event.get("body").asText()).isEqualTo("{\"temp\":21.5}");
    }

    @Test
    void serviceSdkSendsC2dThatDevicesCompleteOrRejectWithFeedback() throws Exception {
        Map<String, String> seenOverMqtt = new ConcurrentHashMap<>();
        Device mqttDevice = registry.addDevice(new Device("sdk-c2d-mqtt"));
        open(mqttDevice, IotHubClientProtocol.MQTT, m -> {
            seenOverMqtt.put(m.getMessageId(), m.getProperty("kind"));
            return IotHubMessageResult.COMPLETE;
        });
        Device amqpDevice = registry.addDevice(new Device("sdk-c2d-amqp"));
        open(amqpDevice, IotHubClientProtocol.AMQPS, m -> IotHubMessageResult.REJECT);

        messaging.send("sdk-c2d-mqtt", c2d("c2d-complete", DeliveryAcknowledgement.Full));
        messaging.send("sdk-c2d-amqp", c2d("c2d-reject", DeliveryAcknowledgement.Full));

        Awaitility.await().atMost(WAIT).until(() -> seenOverMqtt.containsKey("c2d-complete"));
        assertThat(seenOverMqtt).containsEntry("c2d-complete", "command");
        FeedbackRecord completed = awaitFeedback("c2d-complete");
        assertThat(completed.getStatusCode()).isEqualTo(FeedbackStatusCode.success);
        assertThat(completed.getDeviceId()).isEqualTo("sdk-c2d-mqtt");
        FeedbackRecord rejected = awaitFeedback("c2d-reject");
        assertThat(rejected.getStatusCode()).isEqualTo(FeedbackStatusCode.rejected);
        assertThat(rejected.getDeviceId()).isEqualTo("sdk-c2d-amqp");
    }

    @Test
    void serviceSdkRaisesItsOwnNotFoundForAnUnknownDevice() {
        assertThatThrownBy(() -> messaging.send("no-such-device", c2d("c2d-lost", DeliveryAcknowledgement.None)))
                .isInstanceOf(IotHubNotFoundException.class);
    }

    // ------------------------------------------------------------ helpers

    private static DeviceClient open(Device device, IotHubClientProtocol protocol,
                                     java.util.function.Function<com.microsoft.azure.sdk.iot.device.Message, IotHubMessageResult> onC2d)
            throws Exception {
        String connection = "HostName=" + HOST + ";DeviceId=" + device.getDeviceId() + ";SharedAccessKey=" + device.getPrimaryKey();
        DeviceClient client = new DeviceClient(connection, protocol, ClientOptions.builder().sslContext(ssl).build());
        if (onC2d != null) {
            client.setMessageCallback((message, context) -> onC2d.apply(message), null);
        }
        client.open(false);
        devices.add(client);
        return client;
    }

    private static Message c2d(String messageId, DeliveryAcknowledgement ack) {
        Message message = new Message("command " + messageId);
        message.setMessageId(messageId);
        message.setDeliveryAcknowledgement(ack);
        message.getProperties().put("kind", "command");
        return message;
    }

    private static FeedbackRecord awaitFeedback(String messageId) {
        Awaitility.await().atMost(WAIT).until(() -> feedback.stream().anyMatch(r -> messageId.equals(r.getOriginalMessageId())));
        return feedback.stream().filter(r -> messageId.equals(r.getOriginalMessageId())).findFirst().orElseThrow();
    }

    /** The stored D2C event with this message id, read back through the REST events route of every partition. */
    private static JsonNode storedEvent(String messageId) throws Exception {
        RestClient rest = new RestClient(gateway);
        return Awaitility.await().atMost(WAIT).until(() -> {
            for (int partition = 0; partition < 4; partition++) {
                for (JsonNode e : rest.json("GET", "/gatehouse/events/partitions/" + partition + "?from=0&max=1000", null)) {
                    if (messageId.equals(e.path("systemProperties").path("messageId").asText())) {
                        return e;
                    }
                }
            }
            return null;
        }, e -> e != null);
    }

    private static SSLContext trusting(Path caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("gatehouse-ca", PemFiles.readCertificate(caPem));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
