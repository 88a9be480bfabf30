package io.gatehouse.mqtt.flow;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.mqtt.topic.DeviceTopics;
import io.gatehouse.mqtt.topic.TopicAddress;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;

/**
 * The flow of a feature the gateway does not serve yet (device twins, direct methods): a SUBSCRIBE gets 0x80
 * and the connection stays up (the SDKs subscribe to twin responses on connect); a PUBLISH closes the
 * connection, as one to any unsupported topic does.
 */
public final class NotServedYet implements TopicFlow {

    private final DeviceId device;
    private final String feature;
    private final DeviceTopics topics;
    private final ConnectionControl connection;

    /** {@code feature} in the plural, for the log: "device twins". */
    public NotServedYet(DeviceId device, String feature, DeviceTopics topics, ConnectionControl connection) {
        this.device = device;
        this.feature = feature;
        this.topics = topics;
        this.connection = connection;
    }

    @Override
    public void onPublish(MqttPublishMessage publish, TopicAddress topic) {
        connection.close(topics.describeRefusedPublish(publish.variableHeader().topicName()));
    }

    @Override
    public MqttQoS onSubscribe(String filter, MqttQoS requested) {
        Subscriptions.logRefused(device, filter, feature + " are not supported yet");
        return MqttQoS.FAILURE;
    }
}
