package io.gatehouse.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Outcome;
import io.gatehouse.core.registry.DeviceStatus;
import io.gatehouse.core.registry.DeviceUpdate;
import io.gatehouse.core.testing.LogCapture;
import io.gatehouse.mqtt.support.C2dReceiver;
import io.gatehouse.mqtt.support.EventCollector;
import io.gatehouse.mqtt.support.MqttTestServer;
import io.gatehouse.mqtt.support.RawMqttClient;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How connections end: keep-alive, takeover, will messages, token expiry, devices disabled or deleted. */
class ConnectionLifecycleTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private MqttTestServer server;
    private final LogCapture logs = new LogCapture("io.gatehouse.mqtt");

    @BeforeEach
    void start() {
        server = MqttTestServer.start();
        server.createDevice("d1");
    }

    @AfterEach
    void stop() {
        logs.close();
        server.close();
    }

    private RawMqttClient connectRaw(MqttMessage connect) throws IOException {
        RawMqttClient client = new RawMqttClient(server.port());
        client.send(connect);
        MqttConnAckMessage ack = (MqttConnAckMessage) client.receive(WAIT);
        assertThat(ack.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        return client;
    }

    private MqttMessage connectWithWill(int keepAliveSeconds) {
        return MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1).clientId("d1").cleanSession(true)
                .keepAlive(keepAliveSeconds).hasUser(true).username(MqttTestServer.userName("d1"))
                .hasPassword(true).password(server.token("d1").getBytes(StandardCharsets.UTF_8))
                .willFlag(true).willQoS(MqttQoS.AT_LEAST_ONCE).willTopic("devices/d1/messages/events/reason=lost")
                .willMessage("gone".getBytes(StandardCharsets.UTF_8)).build();
    }

    @Test
    void aSilentClientIsClosedAfterOneAndAHalfKeepAlives() throws IOException {
        // [MQTT-3.1.2-24]: keep-alive 1 s, nothing sent after CONNECT: closed after 1.5 s
        try (RawMqttClient client = connectRaw(RawMqttClient.connect("d1", MqttTestServer.userName("d1"),
                server.token("d1"), true, 1))) {
            client.awaitClosed(WAIT);
        }
        logs.await("Device d1 disconnected", "keep-alive expired");
    }

    @Test
    void pingsWithinTheKeepAliveKeepTheConnectionOpenUntilTheyStop() throws IOException {
        // keep-alive 1 s: a PINGREQ every 500 ms for 3 s (twice the 1.5 s limit) keeps it open; silence closes it
        try (RawMqttClient client = connectRaw(RawMqttClient.connect("d1", MqttTestServer.userName("d1"),
                server.token("d1"), true, 1))) {
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < end) {
                client.send(RawMqttClient.pingReq());
                assertThat(client.receive(WAIT).fixedHeader().messageType()).isEqualTo(MqttMessageType.PINGRESP);
                assertThat(client.closesWithin(Duration.ofMillis(500))).as("closed while pinging").isFalse();
            }
            client.awaitClosed(WAIT);
        }
        logs.await("Device d1 disconnected", "keep-alive expired");
    }

    @Test
    void pingRequestsAreAnswered() throws IOException {
        try (RawMqttClient client = connectRaw(RawMqttClient.connect("d1", MqttTestServer.userName("d1"),
                server.token("d1"), true, 60))) {
            client.send(RawMqttClient.pingReq());
            assertThat(client.receive(WAIT).fixedHeader().messageType()).isEqualTo(MqttMessageType.PINGRESP);
        }
    }

    @Test
    void aSecondConnectionOfTheDeviceTakesOverAndGetsTheFirstOnesUnacknowledgedMessages() throws Exception {
        MqttTestServer.ConnectedDevice first = server.connect("d1", true);
        C2dReceiver firstReceived = C2dReceiver.on(first.client(), true);
        C2dReceiver.subscribe(first.client(), "d1", MqttQos.AT_LEAST_ONCE);
        String id = server.sendC2d("d1", C2dRequest.of(null, new byte[] {1}));
        firstReceived.next(); // in flight on the first connection, never acknowledged

        try (MqttTestServer.ConnectedDevice second = server.connect("d1", true)) {
            logs.await("Device d1 disconnected", "taken over by a new connection of device d1");
            await().atMost(WAIT).until(() -> first.client().getState() == MqttClientState.DISCONNECTED);
            // the first connection's lock was abandoned at once: the second gets the message
            C2dReceiver secondReceived = C2dReceiver.on(second.client(), false);
            C2dReceiver.subscribe(second.client(), "d1", MqttQos.AT_LEAST_ONCE);
            Mqtt3Publish again = secondReceived.next();
            assertThat(again.getTopic().toString()).contains("%24.mid=" + id);
            await().atMost(WAIT).until(() -> server.core.c2d().counters().snapshot().ended(Outcome.COMPLETED) == 1);
            assertThat(server.core.connections().isConnected(DeviceId.of("d1"))).isTrue();
        }
    }

    @Test
    void theWillIsStoredAsTelemetryWhenTheConnectionEndsWithoutDisconnect() throws Exception {
        try (EventCollector events = server.events("d1")) {
            try (RawMqttClient client = connectRaw(connectWithWill(60))) {
                client.send(RawMqttClient.pingReq());
                client.receive(WAIT);
            } // the socket closes without DISCONNECT
            D2cEvent will = events.next();
            assertThat(new String(will.body(), StandardCharsets.UTF_8)).isEqualTo("gone");
            assertThat(will.properties().application()).containsEntry("reason", "lost")
                    .containsEntry("iothub-MessageType", "Will");
            assertThat(will.source().deviceId().value()).isEqualTo("d1");
        }
    }

    @Test
    void theWillIsDiscardedOnDisconnect() throws Exception {
        // [MQTT-3.14.4-3]
        try (RawMqttClient client = connectRaw(connectWithWill(60))) {
            client.send(MqttMessageBuilders.disconnect().build());
            client.awaitClosed(WAIT);
        }
        logs.await("Device d1 disconnected", "client sent DISCONNECT");
        assertThat(server.core.events().appendedCount()).isZero();
    }

    @Test
    void theConnectionClosesWhenItsTokenExpires() throws IOException {
        String shortLived = SasTokens.deviceToken(MqttTestServer.HOST, "d1", server.device("d1").keys().primaryKey(),
                Instant.now().plusSeconds(2));
        try (RawMqttClient client = connectRaw(RawMqttClient.connect("d1", MqttTestServer.userName("d1"), shortLived, true, 60))) {
            client.awaitClosed(WAIT);
        }
        logs.await("Device d1 disconnected", "SAS token expired");
    }

    @Test
    void disablingTheDeviceClosesItsConnection() throws IOException {
        try (RawMqttClient client = connectRaw(RawMqttClient.connect("d1", MqttTestServer.userName("d1"),
                server.token("d1"), true, 60))) {
            server.core.registry().update(DeviceId.of("d1"), "*", DeviceUpdate.status(DeviceStatus.DISABLED)).join();
            client.awaitClosed(WAIT);
        }
        logs.await("Device d1 disconnected", "was disabled");
    }

    @Test
    void deletingTheDeviceClosesItsConnection() throws IOException {
        try (RawMqttClient client = connectRaw(RawMqttClient.connect("d1", MqttTestServer.userName("d1"),
                server.token("d1"), true, 60))) {
            server.core.registry().delete(DeviceId.of("d1"), "*").join();
            client.awaitClosed(WAIT);
        }
        logs.await("Device d1 disconnected", "was deleted");
    }
}
