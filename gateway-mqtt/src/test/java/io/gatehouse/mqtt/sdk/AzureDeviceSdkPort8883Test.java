package io.gatehouse.mqtt.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;
import com.microsoft.azure.sdk.iot.device.Message;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Outcome;
import io.gatehouse.tls.DevelopmentPki;
import io.gatehouse.mqtt.support.EventCollector;
import io.gatehouse.mqtt.support.MqttTestServer;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Date;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Azure IoT device SDK for Java (unmodified) over MQTT + TLS against the gateway, following docs/tls-and-host-names.md: the SDK dials {@code ssl://hub.gatehouse.test:8883} (port hard-coded), the test JVM resolves that name
 * through {@code -Djdk.net.hosts.file} (see the pom), the server certificate comes from the development CA with
 * the name in its SAN, and the client trusts only that CA.
 *
 * <p>Every SDK test that needs port 8883 lives in this class.
 */
class AzureDeviceSdkPort8883Test {

    private static final String DEVICE = "sdk-device";

    @TempDir
    static Path pkiDirectory;
    private static MqttTestServer server;
    private static DeviceClient client;
    private static final BlockingQueue<Message> received = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        DevelopmentPki pki = DevelopmentPki.loadOrCreate(pkiDirectory, List.of(MqttTestServer.HOST));
        SslContext tls = SslContextBuilder.forServer(pki.serverKey(), pki.serverChain())
                .protocols("TLSv1.3", "TLSv1.2").build();
        server = MqttTestServer.builder().tls(tls).port(8883).start();
        String key = server.createDevice(DEVICE).keys().primaryKey();

        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(pki.trustStore());
        SSLContext onlyOurCa = SSLContext.getInstance("TLS");
        onlyOurCa.init(null, trust.getTrustManagers(), null);

        client = new DeviceClient("HostName=" + MqttTestServer.HOST + ";DeviceId=" + DEVICE + ";SharedAccessKey=" + key,
                IotHubClientProtocol.MQTT, ClientOptions.builder().sslContext(onlyOurCa).build());
        // the SDK acknowledges (PUBACK) after this returns, whatever it returns: docs/protocols.md#mqtt-311
        client.setMessageCallback((message, context) -> {
            received.add(message);
            return IotHubMessageResult.COMPLETE;
        }, null);
        client.open(false);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void telemetryWithPropertiesIsStoredWithThem() throws Exception {
        Message message = new Message("{\"temperature\":21.5}");
        message.setMessageId("telemetry-1");
        message.setCorrelationId("corr-1");
        message.setUserId("user-1");
        message.setContentType("application/json");
        message.setContentEncoding("utf-8");
        message.setCreationTimeUTC(new Date(1_767_225_600_000L)); // 2026-01-01T00:00:00Z
        message.setProperty("alert", "high temperature & rising");
        message.setProperty("level", "5");
        try (EventCollector events = server.events(DEVICE)) {
            client.sendEvent(message); // returns once the gateway's PUBACK arrived

            D2cEvent event = events.next();
            MessageProperties p = event.properties();
            assertThat(p.messageId()).isEqualTo("telemetry-1");
            assertThat(p.correlationId()).isEqualTo("corr-1");
            assertThat(p.userId()).isEqualTo("user-1");
            assertThat(p.contentType()).isEqualTo("application/json");
            assertThat(p.contentEncoding()).isEqualTo("utf-8");
            assertThat(p.creationTimeUtc()).isEqualTo("2026-01-01T00:00:00.0000000Z");
            assertThat(p.application()).containsEntry("alert", "high temperature & rising").containsEntry("level", "5")
                    .hasSize(2);
            assertThat(event.source().deviceId()).isEqualTo(DeviceId.of(DEVICE));
            assertThat(new String(event.body(), StandardCharsets.UTF_8)).isEqualTo("{\"temperature\":21.5}");
        }
    }

    @Test
    void aC2dMessageArrivesWithItsIdAndPropertiesAndIsCompleted() throws Exception {
        long completedBefore = server.core.c2d().counters().snapshot().ended(Outcome.COMPLETED);
        MessageProperties properties = MessageProperties.builder().messageId("c2d-1").correlationId("c2d-corr")
                .contentType("text/plain").contentEncoding("utf-8")
                .put("command", "reboot now").put("delay", "5").put("path", "/a&b=c").build();
        server.sendC2d(DEVICE, new C2dRequest(properties, AckMode.FULL, null, "reboot".getBytes(StandardCharsets.UTF_8)));

        Message message = received.poll(30, TimeUnit.SECONDS);
        assertThat(message).as("C2D message received by the SDK").isNotNull();
        assertThat(message.getMessageId()).isEqualTo("c2d-1");
        assertThat(message.getCorrelationId()).isEqualTo("c2d-corr");
        assertThat(message.getContentType()).isEqualTo("text/plain");
        assertThat(message.getContentEncoding()).isEqualTo("utf-8");
        assertThat(message.getProperty("command")).isEqualTo("reboot now");
        assertThat(message.getProperty("delay")).isEqualTo("5");
        assertThat(message.getProperty("path")).isEqualTo("/a&b=c");
        assertThat(new String(message.getBytes(), StandardCharsets.UTF_8)).isEqualTo("reboot");

        await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
                server.core.c2d().counters().snapshot().ended(Outcome.COMPLETED) == completedBefore + 1);
        assertThat(server.stats(DEVICE).depth()).isZero();
    }
}
