package io.gatehouse.mqtt.topic;

/**
 * A PUBLISH topic as the router sees it: its kind and what follows the kind's fixed part, which is all its
 * flow needs to parse. For telemetry that is the property bag ({@code ""} when there is none); for twin and
 * methods the operation (e.g. {@code PATCH/properties/reported/?$rid=1}); for foreign topics nothing (null).
 */
public record TopicAddress(TopicKind kind, String rest) {

    static TopicAddress foreign(TopicKind kind) {
        return new TopicAddress(kind, null);
    }
}
