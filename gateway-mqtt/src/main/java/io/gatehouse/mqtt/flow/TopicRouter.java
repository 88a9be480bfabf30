package io.gatehouse.mqtt.flow;

import io.gatehouse.mqtt.topic.DeviceTopics;
import io.gatehouse.mqtt.topic.TopicAddress;
import io.gatehouse.mqtt.topic.TopicKind;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.Map;

/**
 * Sends each PUBLISH of one connection to the flow of its topic's kind, as the AMQP adapter's link router sends
 * each link to the endpoint of its address: telemetry to {@link TelemetryFlow}, twin and methods to their
 * {@link TopicFlow}s. Refused before any flow, by closing the connection as IoT Hub does: QoS 2 (served on no
 * topic), a topic of another device, any topic no flow serves. Event-loop confined.
 */
public final class TopicRouter {

    private final DeviceTopics topics;
    private final TelemetryFlow telemetry;
    private final Map<TopicKind, TopicFlow> flows;
    private final ConnectionControl connection;

    /** {@code flows}: the flow of each {@code $iothub/} kind the connection serves (twin, methods). */
    public TopicRouter(DeviceTopics topics, TelemetryFlow telemetry, Map<TopicKind, TopicFlow> flows,
                       ConnectionControl connection) {
        this.topics = topics;
        this.telemetry = telemetry;
        this.flows = flows;
        this.connection = connection;
    }

    /** Handles a PUBLISH from the device. The caller releases the message afterwards. */
    public void onPublish(MqttPublishMessage publish) {
        if (publish.fixedHeader().qosLevel() == MqttQoS.EXACTLY_ONCE) {
            connection.close("PUBLISH with QoS 2, which IoT Hub does not support");
            return;
        }
        String topic = publish.variableHeader().topicName();
        int bagStart = topics.telemetryBagStart(topic);
        if (bagStart >= 0) {
            telemetry.onPublish(publish, topic, bagStart);
            return;
        }
        TopicAddress address = topics.classifyPublish(topic);
        TopicFlow flow = flows.get(address.kind());
        if (flow != null) {
            flow.onPublish(publish, address);
        } else {
            connection.close(topics.describeRefusedPublish(topic));
        }
    }
}
