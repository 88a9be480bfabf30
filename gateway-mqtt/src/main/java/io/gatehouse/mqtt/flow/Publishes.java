package io.gatehouse.mqtt.flow;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;

/** What the twin and method flows do alike with a device's PUBLISH and SUBSCRIBE. */
final class Publishes {

    private Publishes() {
    }

    /**
     * PUBACKs a QoS 1 request at once (its answer is a message of its own, and nothing of it is stored) and
     * returns a copy of the payload, which outlives the message.
     */
    static byte[] acknowledge(MqttPublishMessage publish, Outbound out) {
        if (publish.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
            out.write(MqttMessageBuilders.pubAck().packetId(publish.variableHeader().packetId()).build());
        }
        return ByteBufUtil.getBytes(publish.payload());
    }

    /**
     * Publishes an answer, a method invocation or a desired patch at QoS 0 (none of them is stored), unless the
     * connection is closing.
     */
    static void atMostOnce(Outbound out, ConnectionControl connection, String topic, byte[] body) {
        if (!connection.isClosing()) {
            out.write(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.AT_MOST_ONCE).retained(false)
                    .payload(Unpooled.wrappedBuffer(body)).build());
        }
    }

    /** The QoS granted to a served filter: what was asked, at most 1 (QoS 2 requests get 1 [MQTT-3.8.4-6]). */
    static MqttQoS grant(MqttQoS requested) {
        return requested == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
    }
}
