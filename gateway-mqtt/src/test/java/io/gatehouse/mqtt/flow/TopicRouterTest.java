package io.gatehouse.mqtt.flow;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.mqtt.topic.DeviceTopics;
import io.gatehouse.mqtt.topic.TopicAddress;
import io.gatehouse.mqtt.topic.TopicKind;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The seat a twin or methods feature fills: its flow gets its kind's PUBLISHes, telemetry is not involved. */
class TopicRouterTest {

    private final RecordingFlow twin = new RecordingFlow();
    private final RecordingFlow methods = new RecordingFlow();
    private final RecordingConnection connection = new RecordingConnection();
    // no telemetry flow: none of these PUBLISHes may reach it
    private final TopicRouter router = new TopicRouter(new DeviceTopics(DeviceId.of("d1")), null,
            Map.of(TopicKind.TWIN, twin, TopicKind.METHODS, methods), connection);

    @Test
    void twinAndMethodPublishesGoToTheFlowOfTheirKind() {
        router.onPublish(publish("$iothub/twin/PATCH/properties/reported/?$rid=1", MqttQoS.AT_MOST_ONCE));
        router.onPublish(publish("$iothub/methods/res/200/?$rid=7", MqttQoS.AT_LEAST_ONCE));

        assertThat(twin.received).containsExactly(new TopicAddress(TopicKind.TWIN, "PATCH/properties/reported/?$rid=1"));
        assertThat(methods.received).containsExactly(new TopicAddress(TopicKind.METHODS, "res/200/?$rid=7"));
        assertThat(connection.closeReasons).isEmpty();
    }

    @Test
    void qos2IsRefusedBeforeAnyFlow() {
        router.onPublish(publish("$iothub/twin/GET/?$rid=1", MqttQoS.EXACTLY_ONCE));

        assertThat(twin.received).isEmpty();
        assertThat(connection.closeReasons).singleElement().asString().contains("QoS 2");
    }

    @Test
    void topicsNoFlowServesCloseTheConnectionWithTheReason() {
        router.onPublish(publish("devices/d2/messages/events/", MqttQoS.AT_LEAST_ONCE));
        router.onPublish(publish("devices/d1/messages/devicebound/x", MqttQoS.AT_LEAST_ONCE));

        assertThat(connection.closeReasons).containsExactly(
                "PUBLISH to a topic of another device: 'devices/d2/messages/events/'",
                "PUBLISH to an unsupported topic: 'devices/d1/messages/devicebound/x'");
        assertThat(twin.received).isEmpty();
        assertThat(methods.received).isEmpty();
    }

    private static MqttPublishMessage publish(String topic, MqttQoS qos) {
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, qos, false, 0),
                new MqttPublishVariableHeader(topic, qos == MqttQoS.AT_MOST_ONCE ? -1 : 1), Unpooled.EMPTY_BUFFER);
    }

    private static final class RecordingFlow implements TopicFlow {
        final List<TopicAddress> received = new ArrayList<>();

        @Override
        public void onPublish(MqttPublishMessage publish, TopicAddress topic) {
            received.add(topic);
        }

        @Override
        public MqttQoS onSubscribe(String filter, MqttQoS requested) {
            return requested;
        }
    }

    private static final class RecordingConnection implements ConnectionControl {
        final List<String> closeReasons = new ArrayList<>();

        @Override
        public void close(String reason) {
            closeReasons.add(reason);
        }

        @Override
        public boolean isClosing() {
            return !closeReasons.isEmpty();
        }

        @Override
        public void backlogChanged() {
        }
    }
}
