package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;
import com.microsoft.azure.sdk.iot.device.ModuleClient;
import com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubNotFoundException;
import com.microsoft.azure.sdk.iot.service.messaging.DeliveryAcknowledgement;
import com.microsoft.azure.sdk.iot.service.messaging.FeedbackRecord;
import com.microsoft.azure.sdk.iot.service.messaging.FeedbackStatusCode;
import com.microsoft.azure.sdk.iot.service.messaging.Message;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClient;
import com.microsoft.azure.sdk.iot.service.registry.Device;
import com.microsoft.azure.sdk.iot.service.registry.Module;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
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
 * The device transports beyond MQTT and AMQP over TCP, with the unmodified Java device SDK against a hub on the
 * standard ports (docs/device-transports.md): HTTPS (telemetry, C2D poll with complete, reject and abandon), MQTT
 * and AMQP over WebSockets on 443, and module identities. The service side is the Java service SDK. Each subclass
 * starts the hub its own way: one packaged gateway ({@link AzureSdkDeviceTransportsIT}) or three cluster nodes behind a
 * load balancer ({@link AzureSdkDeviceTransportsOnClusterIT}); the tests are the same.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AzureSdkDeviceTransportsSuite {

    static final String HOST = "hub.gatehouse.test";
    private static final int PARTITIONS = 2;
    private static final Duration WAIT = AzureServiceSide.WAIT;

    /** The hub's settings the suite's assertions depend on, in the gateway's YAML. */
    private static final String SUITE_CONFIG = """
            events: {partitionCount: %d}
            cloudToDevice:
              maxDeliveryCount: 3
              feedback: {batchWindowAsIso8601: PT0.05S}
            """.formatted(PARTITIONS);

    private AzureServiceSide service;
    private SSLContext trustOnlyGatewayCa;
    private RegistryClient registry;
    private MessagingClient messaging;
    private final List<AutoCloseable> clients = new ArrayList<>();

    /**
     * Starts the hub with {@code hostName} {@link #HOST}, clients reaching it on 127.0.0.1:8883, 5671 and 443, and
     * {@code suiteConfig} among its settings.
     */
    protected abstract HubEndpoint startHub(Path dir, String suiteConfig) throws Exception;

    /** Stops the hub, asserting it stopped gracefully and logged no error. */
    protected abstract void stopHub() throws Exception;

    @BeforeAll
    void startHubAndServiceClients(@TempDir Path dir) throws Exception {
        StandardPorts.requireBindable();
        service = new AzureServiceSide(startHub(dir, SUITE_CONFIG), PARTITIONS);
        trustOnlyGatewayCa = service.trustOnlyGatewayCa;
        registry = service.registry;
        messaging = service.messaging;
    }

    @AfterAll
    void stopEverything() throws Exception {
        try {
            SdkClients.closeAll(clients, AutoCloseable::close);
            SdkClients.close(service, AzureServiceSide::close);
        } finally {
            stopHub();
        }
    }

    // ------------------------------------------------------------------ HTTPS

    @Test
    void httpsTelemetrySingleAndBatchReachTheEventStream() throws Exception {
        DeviceClient client = openDevice(registry.addDevice(new Device("it-https-telemetry")), IotHubClientProtocol.HTTPS, null);
        client.sendEvent(telemetry("https-single"));
        client.sendEvents(List.of(telemetry("https-batch-1"), telemetry("https-batch-2")));

        for (String id : List.of("https-single", "https-batch-1", "https-batch-2")) {
            JsonNode event = awaitEvent(id);
            assertThat(event.path("deviceId").asText()).isEqualTo("it-https-telemetry");
            assertThat(event.path("body").asText()).isEqualTo("{\"temperature\":21.5}");
            assertThat(event.path("systemProperties").path("correlationId").asText()).isEqualTo("corr-" + id);
            assertThat(event.path("properties").path("alert").asText()).isEqualTo("high");
        }
    }

    @Test
    void httpsDeviceCompletesRejectsAndAbandonsWithFeedbackForEach() throws Exception {
        Device device = registry.addDevice(new Device("it-https-c2d"));
        List<String> deliveries = new CopyOnWriteArrayList<>();
        openDevice(device, IotHubClientProtocol.HTTPS, m -> {
            deliveries.add(m.getMessageId());
            if (m.getMessageId().equals("https-reject")) {
                return IotHubMessageResult.REJECT;
            }
            if (m.getMessageId().equals("https-abandon")
                    && deliveries.stream().filter("https-abandon"::equals).count() == 1) {
                return IotHubMessageResult.ABANDON;
            }
            return IotHubMessageResult.COMPLETE;
        });
        Message complete = c2d("https-complete", DeliveryAcknowledgement.Full);
        complete.getProperties().put("command", "reboot now");
        messaging.send(device.getDeviceId(), complete);
        messaging.send(device.getDeviceId(), c2d("https-reject", DeliveryAcknowledgement.Full));
        messaging.send(device.getDeviceId(), c2d("https-abandon", DeliveryAcknowledgement.Full));

        assertThat(awaitFeedback("https-complete").getStatusCode()).isEqualTo(FeedbackStatusCode.success);
        assertThat(awaitFeedback("https-reject").getStatusCode()).isEqualTo(FeedbackStatusCode.rejected);
        assertThat(awaitFeedback("https-abandon").getStatusCode()).isEqualTo(FeedbackStatusCode.success);
        assertThat(deliveries).as("the abandoned message came back once").filteredOn("https-abandon"::equals).hasSize(2);
        assertThat(deliveries).containsOnlyOnce("https-complete", "https-reject");
        assertThat(registry.getDevice("it-https-c2d").getCloudToDeviceMessageCount()).isZero();
    }

    // ------------------------------------------------------------------ WebSockets on 443

    @ParameterizedTest
    @EnumSource(value = IotHubClientProtocol.class, names = {"MQTT_WS", "AMQPS_WS"})
    void telemetryAndC2dOverWebSockets(IotHubClientProtocol protocol) throws Exception {
        Device device = registry.addDevice(new Device("it-ws-" + protocol.name().toLowerCase().replace('_', '-')));
        BlockingQueue<com.microsoft.azure.sdk.iot.device.Message> received = new LinkedBlockingQueue<>();
        DeviceClient client = openDevice(device, protocol, m -> {
            received.add(m);
            return IotHubMessageResult.COMPLETE;
        });
        String id = "ws-" + protocol;
        client.sendEvent(telemetry(id));
        JsonNode event = awaitEvent(id);
        assertThat(event.path("deviceId").asText()).isEqualTo(device.getDeviceId());
        assertThat(event.path("properties").path("alert").asText()).isEqualTo("high");

        Message command = c2d("c2d-" + id, DeliveryAcknowledgement.Full);
        command.getProperties().put("command", "reboot now");
        messaging.send(device.getDeviceId(), command);
        com.microsoft.azure.sdk.iot.device.Message got = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(got).as("C2D over %s", protocol).isNotNull();
        assertThat(got.getMessageId()).isEqualTo("c2d-" + id);
        assertThat(got.getProperty("command")).isEqualTo("reboot now");
        assertThat(awaitFeedback("c2d-" + id).getStatusCode()).isEqualTo(FeedbackStatusCode.success);
    }

    // ------------------------------------------------------------------ module identities

    @Test
    void registryClientManagesModulesWithEtags() throws Exception {
        registry.addDevice(new Device("it-module-registry"));
        Module added = registry.addModule(new Module("it-module-registry", "m1"));
        assertThat(added.getId()).isEqualTo("m1");
        assertThat(added.getDeviceId()).isEqualTo("it-module-registry");
        assertThat(added.getGenerationId()).isNotBlank();
        assertThat(added.getPrimaryKey()).isNotBlank();
        registry.addModule(new Module("it-module-registry", "m2"));
        assertThat(registry.getModulesOnDevice("it-module-registry")).extracting(Module::getId).containsExactlyInAnyOrder("m1", "m2");
        Module got = registry.getModule("it-module-registry", "m1");
        assertThat(got.getETag()).isEqualTo(added.getETag());
        assertThat(got.getPrimaryKey()).isEqualTo(added.getPrimaryKey());
        registry.removeModule(got);
        assertThatThrownBy(() -> registry.getModule("it-module-registry", "m1")).isInstanceOf(IotHubNotFoundException.class);
    }

    @ParameterizedTest
    @EnumSource(value = IotHubClientProtocol.class, names = {"MQTT", "AMQPS"})
    void moduleClientTelemetryIsStampedWithTheModule(IotHubClientProtocol protocol) throws Exception {
        String deviceId = "it-module-" + protocol.name().toLowerCase();
        Device device = registry.addDevice(new Device(deviceId));
        Module module = registry.addModule(new Module(deviceId, "sensor"));
        ModuleClient client = new ModuleClient("HostName=" + HOST + ";DeviceId=" + deviceId + ";ModuleId=sensor;SharedAccessKey="
                + module.getPrimaryKey(), protocol, ClientOptions.builder().sslContext(trustOnlyGatewayCa).build());
        client.open(false);
        clients.add(client::close);
        // the device itself stays connected beside its module
        DeviceClient deviceClient = openDevice(device, protocol, null);
        String id = "module-" + protocol;
        client.sendEvent(telemetry(id));
        deviceClient.sendEvent(telemetry("device-" + protocol));

        JsonNode event = awaitEvent(id);
        assertThat(event.path("deviceId").asText()).isEqualTo(deviceId);
        assertThat(event.path("moduleId").asText()).isEqualTo("sensor");
        assertThat(awaitEvent("device-" + protocol).has("moduleId")).isFalse();
        assertThat(registry.getModule(deviceId, "sensor").getConnectionState().toString()).isEqualTo("Connected");

        // the device's own key does not open the module
        ModuleClient impostor = new ModuleClient("HostName=" + HOST + ";DeviceId=" + deviceId + ";ModuleId=sensor;SharedAccessKey="
                + device.getPrimaryKey(), protocol, ClientOptions.builder().sslContext(trustOnlyGatewayCa).build());
        assertThatThrownBy(() -> impostor.open(false)).isInstanceOf(IotHubClientException.class);
        impostor.close();
    }

    // ------------------------------------------------------------------ helpers

    private DeviceClient openDevice(Device device, IotHubClientProtocol protocol,
            Function<com.microsoft.azure.sdk.iot.device.Message, IotHubMessageResult> onC2d) throws Exception {
        String connectionString = "HostName=" + HOST + ";DeviceId=" + device.getDeviceId()
                + ";SharedAccessKey=" + device.getPrimaryKey();
        // HTTPS polls for C2D: every 100 ms here instead of the SDK's 25 minutes
        DeviceClient client = new DeviceClient(connectionString, protocol,
                ClientOptions.builder().sslContext(trustOnlyGatewayCa).receiveInterval(100).build());
        if (onC2d != null) {
            client.setMessageCallback((message, context) -> onC2d.apply(message), null);
        }
        client.open(false);
        clients.add(client::close);
        return client;
    }

    private static com.microsoft.azure.sdk.iot.device.Message telemetry(String id) {
        com.microsoft.azure.sdk.iot.device.Message message = new com.microsoft.azure.sdk.iot.device.Message("{\"temperature\":21.5}");
        message.setMessageId(id);
        message.setCorrelationId("corr-" + id);
        message.setContentType("application/json");
        message.setContentEncoding("utf-8");
        message.setProperty("alert", "high");
        return message;
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
