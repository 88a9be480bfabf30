package io.gatehouse.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.DeviceStatus;
import io.gatehouse.core.registry.DeviceUpdate;
import io.gatehouse.core.testing.LogCapture;
import io.gatehouse.core.testing.ManualStore;
import io.gatehouse.mqtt.support.MqttTestServer;
import io.gatehouse.mqtt.support.RawMqttClient;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every outcome of CONNECT (docs/protocols.md#mqtt-311, MQTT 3.1.1 §3.1/§3.2), each checked on a real socket. */
class ConnectTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private MqttTestServer server;
    private LogCapture logs;

    @BeforeEach
    void start() {
        server = MqttTestServer.builder().options(MqttOptions.builder().connectTimeout(Duration.ofMillis(300)).build()).start();
        server.createDevice("d1");
        server.createDevice("d2");
        logs = new LogCapture("io.gatehouse.mqtt");
    }

    @AfterEach
    void stop() {
        logs.close();
        server.close();
    }

    /** Sends {@code connect} and returns the CONNACK; for refusals also checks the server then closes [MQTT-3.2.2-5]. */
    private MqttConnAckMessage connAck(MqttMessage connect) throws IOException {
        try (RawMqttClient client = new RawMqttClient(server.port())) {
            client.send(connect);
            MqttMessage reply = client.receive(WAIT);
            assertThat(reply).isInstanceOf(MqttConnAckMessage.class);
            MqttConnAckMessage ack = (MqttConnAckMessage) reply;
            if (ack.variableHeader().connectReturnCode() != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                client.awaitClosed(WAIT);
            }
            return ack;
        }
    }

    private MqttConnectReturnCode code(MqttMessage connect) throws IOException {
        return connAck(connect).variableHeader().connectReturnCode();
    }

    private MqttConnectMessage connect(String clientId, String token) {
        return RawMqttClient.connect(clientId, MqttTestServer.userName(clientId), token, true, 60);
    }

    @Test
    void aDeviceWithItsOwnTokenIsAccepted() throws IOException {
        MqttConnAckMessage ack = connAck(connect("d1", server.token("d1")));
        assertThat(ack.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(ack.variableHeader().isSessionPresent()).isFalse();
        logs.await("Device d1 connected over MQTT");
    }

    @Test
    void theHiveMqClientConnectsAndTheCoreSeesTheDeviceConnected() {
        try (MqttTestServer.ConnectedDevice device = server.connect("d1", true)) {
            assertThat(device.connAck().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.SUCCESS);
            assertThat(server.core.connections().isConnected(DeviceId.of("d1"))).isTrue();
        }
        org.awaitility.Awaitility.await().atMost(WAIT)
                .until(() -> !server.core.connections().isConnected(DeviceId.of("d1")));
    }

    @Test
    void aWrongSignatureIsRefusedWithBadUserNameOrPassword() throws IOException {
        String forged = SasTokens.deviceToken(MqttTestServer.HOST, "d1", server.device("d2").keys().primaryKey(),
                Instant.now().plus(Duration.ofHours(1)));
        assertThat(code(connect("d1", forged))).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        logs.await("CONNACK 4", "bad signature for device d1");
    }

    @Test
    void anExpiredTokenIsRefusedWithBadUserNameOrPassword() throws IOException {
        String expired = SasTokens.deviceToken(MqttTestServer.HOST, "d1", server.device("d1").keys().primaryKey(),
                Instant.now().minus(Duration.ofMinutes(1)));
        assertThat(code(connect("d1", expired))).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        logs.await("CONNACK 4", "expired");
    }

    @Test
    void aMalformedTokenIsRefusedWithBadUserNameOrPassword() throws IOException {
        assertThat(code(connect("d1", "not a token"))).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    void anUnknownDeviceIsRefusedWithBadUserNameOrPassword() throws IOException {
        String token = SasTokens.deviceToken(MqttTestServer.HOST, "ghost", server.device("d1").keys().primaryKey(),
                Instant.now().plus(Duration.ofHours(1)));
        assertThat(code(connect("ghost", token))).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        logs.await("CONNACK 4", "unknown device ghost");
    }

    @Test
    void theValidTokenOfAnotherDeviceIsRefusedAsNotAuthorized() throws IOException {
        assertThat(code(connect("d1", server.token("d2")))).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
        logs.await("CONNACK 5", "token is for device d2, not d1");
    }

    @Test
    void whileTheStoreCannotReachItsEngineADeviceIsRefusedAsServerUnavailableAndLaterAccepted() throws IOException {
        ManualStore store = new ManualStore(4);
        server.close();
        server = MqttTestServer.builder().store(settings -> store).start();
        server.createDevice("d1");
        server.createDevice("d2");
        store.unavailable("PostgreSQL at db:5432 is unreachable");

        assertThat(code(connect("d1", server.token("d1")))).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
        logs.await("CONNACK 3", "PostgreSQL at db:5432 is unreachable");
        // wrong credentials are still told apart from a busy hub
        assertThat(code(connect("d1", server.token("d2")))).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);

        store.unavailable(null);
        assertThat(code(connect("d1", server.token("d1")))).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
    }

    @Test
    void aDisabledDeviceIsRefusedAsNotAuthorized() throws IOException {
        server.core.registry().update(DeviceId.of("d1"), "*", DeviceUpdate.status(DeviceStatus.DISABLED)).join();
        assertThat(code(connect("d1", server.token("d1")))).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
        logs.await("CONNACK 5", "disabled");
    }

    @Test
    void noPasswordIsRefusedWithBadUserNameOrPassword() throws IOException {
        // [MQTT-3.1.2-21] the password flag is optional in MQTT; IoT Hub needs the SAS token
        assertThat(code(connect("d1", null))).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        logs.await("CONNACK 4", "no password");
    }

    @Test
    void noUserNameIsRefusedWithBadUserNameOrPassword() throws IOException {
        MqttConnectMessage connect = RawMqttClient.connect("d1", null, null, true, 60);
        assertThat(code(connect)).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        logs.await("CONNACK 4", "no user name");
    }

    @Test
    void aUserNameNamingAnotherClientIdIsRefusedWithBadUserNameOrPassword() throws IOException {
        MqttConnectMessage connect = RawMqttClient.connect("d1", MqttTestServer.userName("d2"), server.token("d1"), true, 60);
        assertThat(code(connect)).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        logs.await("CONNACK 4", "does not name client id 'd1'");
    }

    @Test
    void aUserNameWithoutHostIsRefusedWithBadUserNameOrPassword() throws IOException {
        MqttConnectMessage connect = RawMqttClient.connect("d1", "d1", server.token("d1"), true, 60);
        assertThat(code(connect)).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    void theUserNameMayOmitTheQuery() throws IOException {
        MqttConnectMessage connect = RawMqttClient.connect("d1", MqttTestServer.HOST + "/d1/", server.token("d1"), true, 60);
        assertThat(code(connect)).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
    }

    @Test
    void aModuleClientIdWithItsDevicesTokenIsNotAuthorized() throws IOException {
        server.core.modules().create(server.device("d1").id(), "m1", null, null).join();
        MqttConnectMessage connect = RawMqttClient.connect("d1/m1", MqttTestServer.HOST + "/d1/m1/?api-version=2021-04-12",
                server.token("d1"), true, 60);
        assertThat(code(connect)).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
        logs.await("CONNACK 5", "not d1/m1");
    }

    @Test
    void aClientIdThatIsNotADeviceIdIsRefusedAsIdentifierRejected() throws IOException {
        assertThat(code(connect("not a device id", server.token("d1"))))
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
    }

    @Test
    void anEmptyClientIdIsRefusedAsIdentifierRejected() throws IOException {
        // [MQTT-3.1.3-8] (CleanSession=0) and IoT Hub in every case: the client id must be the device id
        MqttConnectMessage connect = RawMqttClient.connect("", MqttTestServer.HOST + "//", server.token("d1"), false, 60);
        assertThat(code(connect)).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
    }

    @Test
    void mqtt31IsRefusedAsUnacceptableProtocolLevel() throws IOException {
        // [MQTT-3.1.2-2] only level 4 (3.1.1) is served
        MqttMessage connect = MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1).clientId("d1")
                .hasUser(true).username(MqttTestServer.userName("d1"))
                .hasPassword(true).password(server.token("d1").getBytes(StandardCharsets.UTF_8)).build();
        assertThat(code(connect)).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
        logs.await("CONNACK 1");
    }

    @Test
    void mqtt5IsRefusedWithAn311ConnAckCarryingCode1() throws IOException {
        // [MQTT-3.1.2-2]; the CONNACK is in 3.1.1's format: 20 02 00 01
        MqttMessage connect = MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5).clientId("d1").build();
        try (RawMqttClient client = new RawMqttClient(server.port())) {
            client.send(connect);
            MqttConnAckMessage ack = (MqttConnAckMessage) client.receive(WAIT);
            assertThat(ack.variableHeader().connectReturnCode())
                    .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
            assertThat(ack.fixedHeader().remainingLength()).isEqualTo(2);
            client.awaitClosed(WAIT);
        }
    }

    @Test
    void anUnknownProtocolLevelIsRefusedWithCode1() throws IOException {
        // CONNECT "MQTT" level 9: the decoder itself rejects it
        byte[] connect = {0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 9, 0x02, 0, 60, 0, 0};
        try (RawMqttClient client = new RawMqttClient(server.port())) {
            client.sendBytes(connect);
            MqttConnAckMessage ack = (MqttConnAckMessage) client.receive(WAIT);
            assertThat(ack.variableHeader().connectReturnCode())
                    .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
            client.awaitClosed(WAIT);
        }
    }

    @Test
    void aConfiguredHubHostNameMustMatchTheUserName() throws IOException {
        try (MqttTestServer strict = MqttTestServer.builder()
                .options(MqttOptions.builder().hubHostName("other.example.com").build()).start()) {
            strict.createDevice("d1");
            try (RawMqttClient client = new RawMqttClient(strict.port())) {
                client.send(RawMqttClient.connect("d1", MqttTestServer.userName("d1"), strict.token("d1"), true, 60));
                MqttConnAckMessage ack = (MqttConnAckMessage) client.receive(WAIT);
                assertThat(ack.variableHeader().connectReturnCode())
                        .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
            }
            logs.await("CONNACK 4", "this hub is other.example.com");
        }
    }

    @Test
    void aPacketBeforeConnectClosesTheConnection() throws IOException {
        // [MQTT-3.1.0-1]
        try (RawMqttClient client = new RawMqttClient(server.port())) {
            client.send(RawMqttClient.pingReq());
            client.awaitClosed(WAIT);
        }
        logs.await("first packet was PINGREQ, not CONNECT");
    }

    @Test
    void aSecondConnectClosesTheConnection() throws IOException {
        // [MQTT-3.1.0-2]
        try (RawMqttClient client = new RawMqttClient(server.port())) {
            client.send(connect("d1", server.token("d1")));
            client.receive(WAIT);
            client.send(connect("d1", server.token("d1")));
            client.awaitClosed(WAIT);
        }
        logs.await("Device d1 disconnected", "second CONNECT");
    }

    @Test
    void aConnectionThatSendsNoConnectIsClosedAfterTheConnectTimeout() throws IOException {
        try (RawMqttClient client = new RawMqttClient(server.port())) {
            client.awaitClosed(WAIT);
        }
        logs.await("no CONNECT within");
    }

    @Test
    void aConnectTrickledByteByByteIsClosedAtTheConnectTimeoutNotKeptOpen() throws IOException {
        // a client cannot hold a connection by sending its CONNECT slowly: the timeout counts from the start
        byte[] connect = RawMqttClient.encode(connect("d1", server.token("d1")));
        int sent = 0;
        try (RawMqttClient client = new RawMqttClient(server.port())) {
            // a byte every 50 ms, each well inside the 300 ms timeout: only the deadline can close it
            while (sent < connect.length - 1 && !client.closesWithin(Duration.ofMillis(50))) {
                try {
                    client.sendBytes(new byte[] {connect[sent]});
                } catch (IOException closedMeanwhile) {
                    break;
                }
                sent++;
            }
        }
        assertThat(sent).as("closed while the CONNECT was still arriving").isLessThan(connect.length - 1);
        logs.await("no CONNECT within");
    }

    @Test
    void theHiveMqClientSeesRefusalCodes() {
        var client = server.client("d1");
        assertThatThrownBy(() -> client.connectWith().simpleAuth().username(MqttTestServer.userName("d1"))
                .password(server.token("d2").getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt3ConnAckException.class, e -> assertThat(e.getMqttMessage().getReturnCode())
                        .isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED));
    }

    @Test
    void aWillToAnotherTopicIsRefusedAsNotAuthorized() throws IOException {
        MqttMessage connect = MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1).clientId("d1")
                .cleanSession(true).keepAlive(60).hasUser(true).username(MqttTestServer.userName("d1"))
                .hasPassword(true).password(server.token("d1").getBytes(StandardCharsets.UTF_8))
                .willFlag(true).willQoS(MqttQoS.AT_LEAST_ONCE).willTopic("devices/d2/messages/events/")
                .willMessage("bye".getBytes(StandardCharsets.UTF_8)).build();
        assertThat(code(connect)).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
        logs.await("CONNACK 5", "will message to");
    }
}
