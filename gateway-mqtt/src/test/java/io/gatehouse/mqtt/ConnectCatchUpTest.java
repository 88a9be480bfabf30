package io.gatehouse.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.DeviceStatus;
import io.gatehouse.core.registry.SymmetricKeys;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.ManualStore;
import io.gatehouse.mqtt.support.EmbeddedMqtt;
import io.gatehouse.mqtt.support.RawMqttClient;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A CONNECT whose token this node refuses at first, on a node sharing its registry with others: the CONNACK waits
 * until the node caught up with their changes, and what the device sent after its CONNECT waits with it (the test
 * plays the other node, creating the device while the catch-up waits).
 */
class ConnectCatchUpTest {

    private static final DeviceId LATE = DeviceId.of("late");

    private final ManualStore store = new ManualStore(HubSettings.defaults().eventPartitions());
    private final ManualCore core = new ManualCore(HubSettings.defaults(), store);
    private final EmbeddedMqtt mqtt = new EmbeddedMqtt(core);
    private final EmbeddedChannel channel = mqtt.channel;
    private final SymmetricKeys keys = SymmetricKeys.generate();

    @AfterEach
    void close() {
        mqtt.close();
        core.close();
    }

    @Test
    void aDeviceCreatedElsewhereIsAcceptedAndWhatItSentMeanwhileFollowsInOrder() {
        store.shareWithOtherNodes();
        mqtt.send(connect(), telemetry(7), RawMqttClient.pingReq());

        assertThat(mqtt.received()).isEmpty();
        assertThat(store.pendingCatchUps()).isEqualTo(1);
        assertThat(channel.config().isAutoRead()).as("reading paused while the verdict waits").isFalse();

        core.await(core.core.registry().create(LATE, DeviceStatus.ENABLED, null, keys));
        store.completeCatchUps();
        mqtt.settle();

        List<MqttMessage> replies = mqtt.received();
        assertThat(replies).extracting(m -> m.fixedHeader().messageType())
                .containsExactly(MqttMessageType.CONNACK, MqttMessageType.PUBACK, MqttMessageType.PINGRESP);
        assertThat(((MqttConnAckMessage) replies.get(0)).variableHeader().connectReturnCode())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(core.core.connections().isConnected(LATE)).isTrue();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void aRefusalStandsWhenTheCatchUpBringsNothingAndWhatWasSentMeanwhileIsDropped() {
        store.shareWithOtherNodes();
        mqtt.send(connect(), telemetry(7));

        store.completeCatchUps();
        mqtt.settle();

        List<MqttMessage> replies = mqtt.received();
        assertThat(replies).hasSize(1);
        assertThat(((MqttConnAckMessage) replies.get(0)).variableHeader().connectReturnCode())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        assertThat(channel.isOpen()).isFalse();
        assertThat(store.appendsRequested()).as("the telemetry sent before the CONNACK is not stored").isZero();
    }

    @Test
    void aConnectionClosedWhileItsVerdictWaitsStaysClosed() {
        store.shareWithOtherNodes();
        mqtt.send(connect(), telemetry(7));
        channel.close();

        core.await(core.core.registry().create(LATE, DeviceStatus.ENABLED, null, keys));
        store.completeCatchUps();
        mqtt.settle();

        assertThat(mqtt.received()).isEmpty();
        assertThat(core.core.connections().isConnected(LATE)).isFalse();
        assertThat(store.appendsRequested()).isZero();
    }

    @Test
    void aDeviceThatSendsTooMuchBeforeItsConnackIsClosed() {
        store.shareWithOtherNodes();
        MqttMessage[] flood = new MqttMessage[MqttConnectionHandler.MAX_HELD_PACKETS + 2];
        flood[0] = connect();
        for (int i = 1; i < flood.length; i++) {
            flood[i] = RawMqttClient.pingReq();
        }
        mqtt.send(flood);

        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aNodeAloneAnswersAtOnce() {
        mqtt.send(connect());

        List<MqttMessage> replies = mqtt.received();
        assertThat(replies).hasSize(1);
        assertThat(((MqttConnAckMessage) replies.get(0)).variableHeader().connectReturnCode())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        assertThat(store.pendingCatchUps()).isZero();
    }

    private MqttMessage connect() {
        String token = SasTokens.deviceToken("hub", LATE.value(), keys.primaryKey(), core.clock.now().plus(Duration.ofHours(1)));
        return RawMqttClient.connect(LATE.value(), "hub/late/?api-version=1", token, true, 60);
    }

    private static MqttPublishMessage telemetry(int packetId) {
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                new MqttPublishVariableHeader("devices/late/messages/events/", packetId), Unpooled.wrappedBuffer(new byte[] {1}));
    }
}
