package io.gatehouse.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3SubAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.registry.Module;
import io.gatehouse.mqtt.support.EventCollector;
import io.gatehouse.mqtt.support.MqttTestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Module identities over MQTT (docs/device-transports.md): client id {@code {device}/{module}} with the module's own token, the
 * module telemetry topic, events stamped with the module id, no C2D, and a connection of its own beside its
 * device's.
 */
class ModuleConnectionTest {

    private MqttTestServer server;
    private Module module;

    @BeforeEach
    void start() {
        server = MqttTestServer.start();
        server.createDevice("d1");
        module = server.core.modules().create(server.device("d1").id(), "m1", null, null).join();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String moduleToken(String deviceId, String moduleId, String key) {
        return SasTokens.moduleToken(MqttTestServer.HOST, deviceId, moduleId, key, Instant.now().plusSeconds(3600));
    }

    private Mqtt3BlockingClient connectModule(String token) {
        Mqtt3BlockingClient client = server.client("d1/m1");
        client.connectWith().cleanSession(false).keepAlive(60).simpleAuth()
                .username(MqttTestServer.HOST + "/d1/m1/?api-version=2021-04-12")
                .password(token.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
        return client;
    }

    @Test
    void aModuleSendsTelemetryOnItsTopicStampedWithItsId() throws Exception {
        Mqtt3BlockingClient client = connectModule(moduleToken("d1", "m1", module.keys().primaryKey()));
        try (EventCollector events = server.events("d1")) {
            client.publishWith().topic("devices/d1/modules/m1/messages/events/%24.mid=mm1&unit=C").qos(MqttQos.AT_LEAST_ONCE)
                    .payload("21".getBytes(StandardCharsets.UTF_8)).send();
            D2cEvent event = events.next();
            assertThat(event.source().moduleId()).isEqualTo("m1");
            assertThat(event.source().generationId()).isEqualTo(module.generationId());
            assertThat(event.properties().messageId()).isEqualTo("mm1");
            assertThat(event.properties().application()).containsEntry("unit", "C");
        }
        assertThat(server.core.connections().isConnected(server.device("d1").id(), "m1")).isTrue();
        client.disconnect();
    }

    @Test
    void aModuleHasNoC2dAndCannotPublishAsItsDevice() {
        Mqtt3BlockingClient client = connectModule(moduleToken("d1", "m1", module.keys().primaryKey()));
        // C2D messages go to devices: the device's C2D filter is refused (0x80), the connection stays
        assertThatThrownBy(() -> client.subscribeWith().topicFilter("devices/d1/messages/devicebound/#").qos(MqttQos.AT_LEAST_ONCE)
                .send()).isInstanceOfSatisfying(Mqtt3SubAckException.class,
                        e -> assertThat(e.getMqttMessage().getReturnCodes()).containsExactly(Mqtt3SubAckReturnCode.FAILURE));
        assertThat(client.getState().isConnected()).isTrue();
        client.publishWith().topic("devices/d1/messages/events/").qos(MqttQos.AT_MOST_ONCE).payload(new byte[] {1}).send();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !client.getState().isConnected());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> server.openConnections() == 0);
    }

    @Test
    void theDeviceAndItsModuleAreConnectedTogether() {
        Mqtt3BlockingClient moduleClient = connectModule(moduleToken("d1", "m1", module.keys().primaryKey()));
        try (MqttTestServer.ConnectedDevice device = server.connect("d1", true)) {
            assertThat(device.connAck().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.SUCCESS);
            assertThat(moduleClient.getState().isConnected()).as("not taken over by its device").isTrue();
        }
        moduleClient.disconnect();
    }

    @Test
    void onlyTheModulesOwnKeyOpensIt() {
        String signedWithDeviceKey = moduleToken("d1", "m1", server.device("d1").keys().primaryKey());
        assertThatThrownBy(() -> connectModule(signedWithDeviceKey)).isInstanceOfSatisfying(Mqtt3ConnAckException.class,
                e -> assertThat(e.getMqttMessage().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD));
        server.core.modules().create(server.device("d1").id(), "m2", null, null).join();
        Module m2 = server.core.modules().get(server.device("d1").id(), "m2").orElseThrow();
        assertThatThrownBy(() -> connectModule(moduleToken("d1", "m2", m2.keys().primaryKey())))
                .as("another module's token").isInstanceOfSatisfying(Mqtt3ConnAckException.class,
                        e -> assertThat(e.getMqttMessage().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED));
    }
}
