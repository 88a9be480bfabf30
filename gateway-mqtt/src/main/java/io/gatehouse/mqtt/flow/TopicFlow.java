package io.gatehouse.mqtt.flow;

import io.gatehouse.mqtt.topic.TopicAddress;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;

/**
 * The flow of one {@code $iothub/} topic kind (twin, methods) on one connection: the PUBLISHes and SUBSCRIBE
 * filters the router sends it. A feature plugs in by giving the connection its flow for its kind. Telemetry
 * and C2D have flows of their own shape (back-pressure, credit) and do not go through this seat.
 * Event-loop confined.
 */
public interface TopicFlow {

    /** A PUBLISH of this flow's kind (QoS 0 or 1). The caller releases the message afterwards. */
    void onPublish(MqttPublishMessage publish, TopicAddress topic);

    /** The QoS granted to a SUBSCRIBE filter of this flow's kind, or {@link MqttQoS#FAILURE} (0x80). */
    MqttQoS onSubscribe(String filter, MqttQoS requested);

    /** An UNSUBSCRIBE filter of this flow's kind (UNSUBACK is the caller's). */
    default void onUnsubscribe(String filter) {
    }

    /** The connection is gone: give back what the flow holds in the core. */
    default void stop() {
    }
}
