package io.gatehouse.mqtt.topic;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.queue.QueueMessage;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * The MQTT topics of one connected device (docs/messaging.md, docs/protocols.md#mqtt-311), precomputed once per connection so that
 * matching a telemetry topic is a prefix comparison, and the classifier that tells the router which
 * {@link TopicKind} a PUBLISH topic or SUBSCRIBE filter is.
 *
 * <ul>
 *   <li>telemetry: {@code devices/{id}/messages/events}, optionally followed by {@code /} and a property bag;</li>
 *   <li>C2D subscription: exactly {@code devices/{id}/messages/devicebound/#};</li>
 *   <li>C2D publish: {@code devices/{id}/messages/devicebound/{bag}};</li>
 *   <li>twin and methods: {@code $iothub/twin/...}, {@code $iothub/methods/...}, the same for every device.</li>
 * </ul>
 * The device id appears literally, as IoT Hub writes it. Every topic of an identity hangs below its root:
 * {@code devices/{id}} for a device, {@code devices/{id}/modules/{moduleId}} for a module. Modules have no C2D
 * subscription (C2D messages go to devices), and their device's topics are another identity's.
 */
public final class DeviceTopics {

    private static final String DEVICES = "devices/";
    private static final String EVENTS = "/messages/events";
    private static final String MODULES = "/modules/";
    private static final String DEVICEBOUND = "/messages/devicebound/";
    private static final String TWIN = "$iothub/twin/";
    private static final String METHODS = "$iothub/methods/";

    /**
     * Each thread's builder for C2D topics, reused: a new one per delivery (sized for the longest bag) was 3 % of
     * all the bytes a C2D message made the gateway allocate. Topics are built one at a time per thread.
     */
    private static final FastThreadLocal<StringBuilder> TOPIC_BUILDER = new FastThreadLocal<>() {
        @Override
        protected StringBuilder initialValue() {
            return new StringBuilder(256);
        }
    };
    private static final int MAX_KEPT_BUILDER = 4096;

    private final String device;
    private final String moduleId;

    public DeviceTopics(DeviceId device) {
        this(device, null);
    }

    /** The topics of a device ({@code moduleId} null) or of one of its modules. */
    public DeviceTopics(DeviceId device, String moduleId) {
        // matched in place, not kept as prefix strings: a connection would otherwise carry ~300 B of them
        this.device = device.value();
        this.moduleId = moduleId;
    }

    /**
     * The property bag of a telemetry topic of this device ({@code ""} when there is none), or null when
     * {@code topic} is not this device's telemetry topic.
     */
    public String telemetryBag(String topic) {
        int start = telemetryBagStart(topic);
        return start < 0 ? null : topic.substring(start);
    }

    /**
     * Where the property bag of this identity's telemetry topic starts in {@code topic} (its length when there is
     * none), or -1 when {@code topic} is not that telemetry topic: the bag compared where it stands, not copied.
     */
    public int telemetryBagStart(String topic) {
        int root = rootEnd(topic);
        if (root < 0 || !topic.startsWith(EVENTS, root)) {
            return -1;
        }
        int end = root + EVENTS.length();
        if (topic.length() == end) {
            return end;
        }
        return topic.charAt(end) == '/' ? end + 1 : -1;
    }

    /** Why a PUBLISH topic that is not this device's telemetry topic is refused (for the log). */
    public String describeRefusedPublish(String topic) {
        if (isOtherDevice(topic)) {
            return "PUBLISH to a topic of another device: " + ClientText.quote(topic);
        }
        return "PUBLISH to an unsupported topic: " + ClientText.quote(topic);
    }

    /** The kind of a PUBLISH topic, and what its flow parses. Telemetry is checked first: it is the hot path. */
    public TopicAddress classifyPublish(String topic) {
        String bag = telemetryBag(topic);
        return bag != null ? new TopicAddress(TopicKind.TELEMETRY, bag) : classifyShared(topic);
    }

    /** The kind of a SUBSCRIBE topic filter. */
    public TopicKind classifyFilter(String filter) {
        return isC2dFilter(filter) ? TopicKind.C2D : classifyShared(filter).kind();
    }

    /** Exactly {@code devices/{id}/messages/devicebound/#}, and only for a device: modules have no C2D. */
    private boolean isC2dFilter(String filter) {
        int root = deviceRootEnd(filter);
        return moduleId == null && root >= 0 && filter.length() == root + DEVICEBOUND.length() + 1
                && filter.startsWith(DEVICEBOUND, root) && filter.endsWith("#");
    }

    /** Topics outside the device's own telemetry and C2D: the hub's {@code $iothub/} features, or foreign. */
    private TopicAddress classifyShared(String topic) {
        if (topic.startsWith(TWIN)) {
            return new TopicAddress(TopicKind.TWIN, topic.substring(TWIN.length()));
        }
        if (topic.startsWith(METHODS)) {
            return new TopicAddress(TopicKind.METHODS, topic.substring(METHODS.length()));
        }
        return TopicAddress.foreign(isOtherDevice(topic) ? TopicKind.OTHER_DEVICE : TopicKind.UNSUPPORTED);
    }

    /**
     * The topic of a C2D message for this device: the devicebound prefix and the message's bag, in this thread's
     * builder, which the thread's next call reuses: write it out at once.
     */
    public CharSequence c2dTopic(QueueMessage message) {
        StringBuilder topic = TOPIC_BUILDER.get();
        if (topic.capacity() > MAX_KEPT_BUILDER) {
            // one huge bag must not pin its builder's array to the thread for good
            TOPIC_BUILDER.remove();
            topic = TOPIC_BUILDER.get();
        }
        topic.setLength(0);
        topic.append(DEVICES).append(device).append(DEVICEBOUND);
        PropertyBag.formatC2d(message, topic);
        return topic;
    }

    /** A topic under {@code devices/} that is not this identity's (another device, a module, or a module's device). */
    private boolean isOtherDevice(String topic) {
        return topic.startsWith(DEVICES) && topic.indexOf('/', DEVICES.length()) > DEVICES.length()
                && !isOwn(topic);
    }

    /** Below this identity's root: {@code devices/{id}/...}, or {@code devices/{id}/modules/{moduleId}/...}. */
    private boolean isOwn(String topic) {
        int root = rootEnd(topic);
        return root >= 0 && topic.startsWith("/", root);
    }

    /** Where this identity's root ({@code devices/{id}}, a module's with its part) ends in {@code topic}, or -1. */
    private int rootEnd(String topic) {
        int end = deviceRootEnd(topic);
        if (end < 0 || moduleId == null) {
            return end;
        }
        if (!topic.startsWith(MODULES, end) || !topic.startsWith(moduleId, end + MODULES.length())) {
            return -1;
        }
        return end + MODULES.length() + moduleId.length();
    }

    /** Where {@code devices/{id}} of this identity's device ends in {@code topic}, or -1. */
    private int deviceRootEnd(String topic) {
        return topic.startsWith(DEVICES) && topic.startsWith(device, DEVICES.length())
                ? DEVICES.length() + device.length() : -1;
    }
}
