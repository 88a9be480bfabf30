package io.gatehouse.mqtt.topic;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.queue.QueueMessage;

/**
 * The MQTT topics of one connected device (docs/messaging.md#device-to-cloud-telemetry, docs/messaging.md#cloud-to-device-commands, docs/protocols.md#mqtt-311), precomputed once per connection so that
 * matching a telemetry topic is a prefix comparison.
 *
 * <ul>
 *   <li>telemetry: {@code devices/{id}/messages/events}, optionally followed by {@code /} and a property bag;</li>
 *   <li>C2D subscription: exactly {@code devices/{id}/messages/devicebound/#};</li>
 *   <li>C2D publish: {@code devices/{id}/messages/devicebound/{bag}}.</li>
 * </ul>
 * The device id appears literally, as IoT Hub writes it.
 */
public final class DeviceTopics {

    /** What a SUBSCRIBE topic filter asks for. */
    public enum Subscription {
        /** The device's own C2D messages: served. */
        C2D,
        /** {@code $iothub/twin/...}: not served yet (SUBACK 0x80). */
        TWIN,
        /** {@code $iothub/methods/...}: not served yet (SUBACK 0x80). */
        METHODS,
        /** A topic of another device: refused (SUBACK 0x80). */
        OTHER_DEVICE,
        /** Anything else, including other filters on the device's own topics: refused (SUBACK 0x80). */
        UNSUPPORTED
    }

    private static final String DEVICES = "devices/";
    private static final String EVENTS = "/messages/events";
    private static final String DEVICEBOUND = "/messages/devicebound/";

    private final String telemetryPrefix;
    private final String c2dPrefix;
    private final String c2dFilter;
    private final String ownPrefix;

    public DeviceTopics(DeviceId device) {
        this.ownPrefix = DEVICES + device.value() + "/";
        this.telemetryPrefix = DEVICES + device.value() + EVENTS;
        this.c2dPrefix = DEVICES + device.value() + DEVICEBOUND;
        this.c2dFilter = c2dPrefix + "#";
    }

    public String c2dFilter() {
        return c2dFilter;
    }

    /**
     * The property bag of a telemetry topic of this device ({@code ""} when there is none), or null when
     * {@code topic} is not this device's telemetry topic.
     */
    public String telemetryBag(String topic) {
        if (!topic.startsWith(telemetryPrefix)) {
            return null;
        }
        int end = telemetryPrefix.length();
        if (topic.length() == end) {
            return "";
        }
        return topic.charAt(end) == '/' ? topic.substring(end + 1) : null;
    }

    /** Why a PUBLISH topic that is not this device's telemetry topic is refused (for the log). */
    public String describeRefusedPublish(String topic) {
        if (isOtherDevice(topic)) {
            return "PUBLISH to a topic of another device: " + ClientText.quote(topic);
        }
        return "PUBLISH to an unsupported topic: " + ClientText.quote(topic);
    }

    public Subscription classify(String filter) {
        if (filter.equals(c2dFilter)) {
            return Subscription.C2D;
        }
        if (filter.startsWith("$iothub/twin/")) {
            return Subscription.TWIN;
        }
        if (filter.startsWith("$iothub/methods/")) {
            return Subscription.METHODS;
        }
        return isOtherDevice(filter) ? Subscription.OTHER_DEVICE : Subscription.UNSUPPORTED;
    }

    /** The topic of a C2D message for this device: the devicebound prefix and the message's bag. */
    public String c2dTopic(QueueMessage message) {
        StringBuilder topic = new StringBuilder(c2dPrefix.length() + 160);
        topic.append(c2dPrefix);
        PropertyBag.formatC2d(message, topic);
        return topic.toString();
    }

    private boolean isOtherDevice(String topic) {
        return topic.startsWith(DEVICES) && topic.indexOf('/', DEVICES.length()) > DEVICES.length()
                && !topic.startsWith(ownPrefix);
    }
}
