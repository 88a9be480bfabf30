package io.gatehouse.mqtt.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** CONNECT checks before any credential is looked at (MQTT 3.1.1 §3.1, docs/protocols.md#mqtt-311). */
class ConnectValidatorTest {

    private final ConnectValidator validator = new ConnectValidator(null);

    private static MqttMessageBuilders.ConnectBuilder connect(String clientId, String userName, String password) {
        MqttMessageBuilders.ConnectBuilder b = MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1)
                .clientId(clientId).keepAlive(230);
        if (userName != null) {
            b.hasUser(true).username(userName);
        }
        if (password != null) {
            b.hasPassword(true).password(password.getBytes(StandardCharsets.UTF_8));
        }
        return b;
    }

    private MqttConnectReturnCode refusal(MqttConnectMessage message) {
        ConnectDecision decision = validator.check(message);
        assertThat(decision).isInstanceOf(ConnectDecision.Refusal.class);
        return ((ConnectDecision.Refusal) decision).code();
    }

    @Test
    void theJavaSdksConnectIsALogin() {
        ConnectDecision decision = validator.check(connect("d1",
                "hub.example.net/d1/?api-version=2020-09-30&DeviceClientType=iothub-java-client%2F2.5.0", "token").build());
        assertThat(decision).isEqualTo(new ConnectDecision.Login(io.gatehouse.core.model.DeviceId.of("d1"), "token",
                false, 230, null));
    }

    @Test
    void protocolLevelsOtherThan4AreRefusedWithCode1() {
        // [MQTT-3.1.2-2]
        assertThat(refusal(connect("d1", "h/d1/", "t").protocolVersion(MqttVersion.MQTT_3_1).build()))
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
        assertThat(refusal(connect("d1", "h/d1/", "t").protocolVersion(MqttVersion.MQTT_5).build()))
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
    }

    @Test
    void clientIdsThatAreNotDeviceIdsAreRefusedWithCode2() {
        // [MQTT-3.1.3-8], [MQTT-3.1.3-9]
        assertThat(refusal(connect("", "h//", "t").build())).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
        assertThat(refusal(connect("d 1", "h/d 1/", "t").build())).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
        assertThat(refusal(connect("x".repeat(129), "h/x/", "t").build()))
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
        assertThat(refusal(connect("d1/m1/x", "h/d1/m1/x/", "t").build()))
                .as("at most one module level").isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
        assertThat(refusal(connect("d1/", "h/d1//", "t").build())).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
        assertThat(refusal(connect("/m1", "h//m1/", "t").build())).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
    }

    @Test
    void aModuleClientIdIsAModuleLogin() {
        ConnectDecision decision = validator.check(connect("d1/m1", "h/d1/m1/?api-version=2021-04-12", "t").build());
        assertThat(decision).isInstanceOfSatisfying(ConnectDecision.Login.class, login -> {
            assertThat(login.device().value()).isEqualTo("d1");
            assertThat(login.moduleId()).isEqualTo("m1");
        });
        assertThat(refusal(connect("d1/m1", "h/d1/?api-version=2021-04-12", "t").build()))
                .as("the user name names the module too").isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    void userNameProblemsAreRefusedWithCode4() {
        MqttConnectReturnCode bad = MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD;
        assertThat(refusal(connect("d1", null, null).build())).isEqualTo(bad);
        assertThat(refusal(connect("d1", "h/d1/", null).build())).isEqualTo(bad);
        assertThat(refusal(connect("d1", "h/d1/", "").build())).isEqualTo(bad);
        assertThat(refusal(connect("d1", "h/d2/?api-version=1", "t").build())).isEqualTo(bad);
        assertThat(refusal(connect("d1", "h/d10/?api-version=1", "t").build())).isEqualTo(bad);
        assertThat(refusal(connect("d1", "/d1/", "t").build())).isEqualTo(bad);
        assertThat(refusal(connect("d1", "d1", "t").build())).isEqualTo(bad);
    }

    @Test
    void theUserNameMayEndAfterTheClientId() {
        assertThat(validator.check(connect("d1", "h/d1", "t").build())).isInstanceOf(ConnectDecision.Login.class);
        assertThat(validator.check(connect("d1", "h/d1?x", "t").build())).isInstanceOf(ConnectDecision.Login.class);
    }

    @Test
    void aConfiguredHostMustMatchCaseInsensitively() {
        ConnectValidator strict = new ConnectValidator("Hub.Example.NET");
        assertThat(strict.check(connect("d1", "hub.example.net/d1/", "t").build())).isInstanceOf(ConnectDecision.Login.class);
        assertThat(strict.check(connect("d1", "other.example.net/d1/", "t").build()))
                .isInstanceOf(ConnectDecision.Refusal.class);
    }

    @Test
    void aWillMustTargetTheDevicesTelemetryTopic() {
        MqttConnectMessage good = connect("d1", "h/d1/", "t").willFlag(true).willQoS(MqttQoS.AT_LEAST_ONCE)
                .willTopic("devices/d1/messages/events/k=v").willMessage("bye".getBytes(StandardCharsets.UTF_8)).build();
        ConnectDecision.Login login = (ConnectDecision.Login) validator.check(good);
        assertThat(login.will().properties().application()).containsEntry("k", "v");
        assertThat(login.will().payload()).isEqualTo("bye".getBytes(StandardCharsets.UTF_8));

        MqttConnectMessage bad = connect("d1", "h/d1/", "t").willFlag(true).willTopic("devices/d2/messages/events/")
                .willMessage(new byte[0]).build();
        assertThat(refusal(bad)).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
    }
}
