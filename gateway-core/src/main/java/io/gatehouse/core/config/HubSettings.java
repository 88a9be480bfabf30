package io.gatehouse.core.config;

import static io.gatehouse.core.config.Setting.duration;
import static io.gatehouse.core.config.Setting.integer;

import io.gatehouse.core.config.Setting.DurationSetting;
import io.gatehouse.core.config.Setting.IntSetting;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The hub's messaging settings (docs/messaging.md#hub-settings plus the gateway's own limits), validated on construction.
 * Property names follow IoT Hub's where IoT Hub has the setting.
 */
public record HubSettings(
        String hubName,
        Duration c2dDefaultTtl,
        int c2dMaxDeliveryCount,
        Duration c2dLockDuration,
        int c2dMaxQueueDepth,
        int c2dMaxMessageBytes,
        int c2dReadAheadMessages,
        Duration feedbackTtl,
        int feedbackMaxDeliveryCount,
        Duration feedbackLockDuration,
        Duration feedbackBatchWindow,
        int feedbackMaxRecordsPerMessage,
        int eventPartitions,
        Duration eventRetention,
        int d2cMaxMessageBytes) {

    public static final String HUB_NAME = "hubName";
    public static final DurationSetting C2D_DEFAULT_TTL =
            duration("cloudToDevice.defaultTtlAsIso8601", Duration.ofMinutes(1), Duration.ofDays(2), Duration.ofHours(1));
    public static final IntSetting C2D_MAX_DELIVERY_COUNT =
            integer("cloudToDevice.maxDeliveryCount", 1, 100, 10);
    public static final DurationSetting C2D_LOCK_DURATION =
            duration("cloudToDevice.lockDurationAsIso8601", Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(1));
    public static final IntSetting C2D_MAX_QUEUE_DEPTH =
            integer("cloudToDevice.maxQueueDepth", 1, 5000, 50);
    public static final IntSetting C2D_MAX_MESSAGE_BYTES =
            integer("cloudToDevice.maxMessageSizeInBytes", 1, 256 * 1024, 64 * 1024);
    /**
     * Queued C2D messages read back from disk ahead of their delivery, hub-wide: what a mass reconnect after an
     * offline backlog holds in memory beyond the messages in flight (the gateway's own setting).
     */
    public static final IntSetting C2D_READ_AHEAD_MESSAGES =
            integer("cloudToDevice.readAheadMessages", 0, 1_000_000, 4096);
    public static final DurationSetting FEEDBACK_TTL =
            duration("cloudToDevice.feedback.ttlAsIso8601", Duration.ofMinutes(1), Duration.ofDays(2), Duration.ofHours(1));
    public static final IntSetting FEEDBACK_MAX_DELIVERY_COUNT =
            integer("cloudToDevice.feedback.maxDeliveryCount", 1, 100, 100);
    public static final DurationSetting FEEDBACK_LOCK_DURATION =
            duration("cloudToDevice.feedback.lockDurationAsIso8601", Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(1));
    public static final DurationSetting FEEDBACK_BATCH_WINDOW =
            duration("cloudToDevice.feedback.batchWindowAsIso8601", Duration.ZERO, Duration.ofMinutes(1), Duration.ofMillis(100));
    public static final IntSetting FEEDBACK_MAX_RECORDS =
            integer("cloudToDevice.feedback.maxRecordsPerMessage", 1, 1000, 100);
    public static final IntSetting EVENT_PARTITIONS =
            integer("events.partitionCount", 1, 32, 4);
    public static final DurationSetting EVENT_RETENTION =
            duration("events.retentionTimeAsIso8601", Duration.ofMinutes(1), Duration.ofDays(7), Duration.ofDays(1));
    public static final IntSetting D2C_MAX_MESSAGE_BYTES =
            integer("events.maxMessageSizeInBytes", 1, 256 * 1024, 256 * 1024);

    /** Every setting, for help texts and configuration front ends. */
    public static final List<Setting<?>> ALL = List.of(C2D_DEFAULT_TTL, C2D_MAX_DELIVERY_COUNT, C2D_LOCK_DURATION,
            C2D_MAX_QUEUE_DEPTH, C2D_MAX_MESSAGE_BYTES, C2D_READ_AHEAD_MESSAGES, FEEDBACK_TTL, FEEDBACK_MAX_DELIVERY_COUNT,
            FEEDBACK_LOCK_DURATION, FEEDBACK_BATCH_WINDOW, FEEDBACK_MAX_RECORDS, EVENT_PARTITIONS, EVENT_RETENTION,
            D2C_MAX_MESSAGE_BYTES);

    /** Expiry can never be further away than this (docs/messaging.md#the-lifecycle); later expiry times are clamped to it. */
    public static final Duration MAX_EXPIRY = Duration.ofDays(2);

    private static final Pattern HUB_NAME_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{2,49}");

    public HubSettings {
        if (hubName == null || !HUB_NAME_PATTERN.matcher(hubName).matches()) {
            throw new InvalidSettingException(HUB_NAME,
                    "'" + hubName + "' is not allowed; allowed: 3 to 50 letters, digits or '-', starting with a letter or digit");
        }
        C2D_DEFAULT_TTL.check(c2dDefaultTtl);
        C2D_MAX_DELIVERY_COUNT.check(c2dMaxDeliveryCount);
        C2D_LOCK_DURATION.check(c2dLockDuration);
        C2D_MAX_QUEUE_DEPTH.check(c2dMaxQueueDepth);
        C2D_MAX_MESSAGE_BYTES.check(c2dMaxMessageBytes);
        C2D_READ_AHEAD_MESSAGES.check(c2dReadAheadMessages);
        FEEDBACK_TTL.check(feedbackTtl);
        FEEDBACK_MAX_DELIVERY_COUNT.check(feedbackMaxDeliveryCount);
        FEEDBACK_LOCK_DURATION.check(feedbackLockDuration);
        FEEDBACK_BATCH_WINDOW.check(feedbackBatchWindow);
        FEEDBACK_MAX_RECORDS.check(feedbackMaxRecordsPerMessage);
        EVENT_PARTITIONS.check(eventPartitions);
        EVENT_RETENTION.check(eventRetention);
        D2C_MAX_MESSAGE_BYTES.check(d2cMaxMessageBytes);
    }

    public static HubSettings defaults() {
        return fromProperties(Map.of());
    }

    /**
     * Settings from a flat property map (absent properties take their defaults).
     *
     * @throws InvalidSettingException naming the first property that is malformed or out of range
     */
    public static HubSettings fromProperties(Map<String, String> p) {
        return new HubSettings(
                p.getOrDefault(HUB_NAME, "gatehouse"),
                C2D_DEFAULT_TTL.from(p),
                C2D_MAX_DELIVERY_COUNT.from(p),
                C2D_LOCK_DURATION.from(p),
                C2D_MAX_QUEUE_DEPTH.from(p),
                C2D_MAX_MESSAGE_BYTES.from(p),
                C2D_READ_AHEAD_MESSAGES.from(p),
                FEEDBACK_TTL.from(p),
                FEEDBACK_MAX_DELIVERY_COUNT.from(p),
                FEEDBACK_LOCK_DURATION.from(p),
                FEEDBACK_BATCH_WINDOW.from(p),
                FEEDBACK_MAX_RECORDS.from(p),
                EVENT_PARTITIONS.from(p),
                EVENT_RETENTION.from(p),
                D2C_MAX_MESSAGE_BYTES.from(p));
    }

    /** These settings as a property map, the inverse of {@link #fromProperties}. */
    public Map<String, String> toProperties() {
        Map<String, String> p = new HashMap<>();
        p.put(HUB_NAME, hubName);
        p.put(C2D_DEFAULT_TTL.property(), c2dDefaultTtl.toString());
        p.put(C2D_MAX_DELIVERY_COUNT.property(), Integer.toString(c2dMaxDeliveryCount));
        p.put(C2D_LOCK_DURATION.property(), c2dLockDuration.toString());
        p.put(C2D_MAX_QUEUE_DEPTH.property(), Integer.toString(c2dMaxQueueDepth));
        p.put(C2D_MAX_MESSAGE_BYTES.property(), Integer.toString(c2dMaxMessageBytes));
        p.put(C2D_READ_AHEAD_MESSAGES.property(), Integer.toString(c2dReadAheadMessages));
        p.put(FEEDBACK_TTL.property(), feedbackTtl.toString());
        p.put(FEEDBACK_MAX_DELIVERY_COUNT.property(), Integer.toString(feedbackMaxDeliveryCount));
        p.put(FEEDBACK_LOCK_DURATION.property(), feedbackLockDuration.toString());
        p.put(FEEDBACK_BATCH_WINDOW.property(), feedbackBatchWindow.toString());
        p.put(FEEDBACK_MAX_RECORDS.property(), Integer.toString(feedbackMaxRecordsPerMessage));
        p.put(EVENT_PARTITIONS.property(), Integer.toString(eventPartitions));
        p.put(EVENT_RETENTION.property(), eventRetention.toString());
        p.put(D2C_MAX_MESSAGE_BYTES.property(), Integer.toString(d2cMaxMessageBytes));
        return p;
    }

    /** A copy with one property changed (validated like any other value). */
    public HubSettings with(String property, String value) {
        Map<String, String> p = toProperties();
        p.put(property, value);
        return fromProperties(p);
    }
}
