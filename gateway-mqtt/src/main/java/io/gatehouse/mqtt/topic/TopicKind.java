package io.gatehouse.mqtt.topic;

/**
 * What a PUBLISH topic or a SUBSCRIBE filter of one connected device names: which flow serves it. A new
 * feature adds its kind here and its flow in {@code io.gatehouse.mqtt.flow}; the other kinds do not change.
 */
public enum TopicKind {
    /** PUBLISH to {@code devices/{id}/messages/events}, optionally followed by {@code /} and a property bag. */
    TELEMETRY,
    /** SUBSCRIBE to exactly {@code devices/{id}/messages/devicebound/#}. */
    C2D,
    /** {@code $iothub/twin/...}: device twins. */
    TWIN,
    /** {@code $iothub/methods/...}: direct methods. */
    METHODS,
    /** {@code devices/{other id}/...}: a topic of another device. */
    OTHER_DEVICE,
    /** Anything else, including other topics and filters under the device's own {@code devices/{id}/}. */
    UNSUPPORTED
}
