package io.gatehouse.amqp.eventhub;

import io.gatehouse.amqp.message.MessageBodies;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.PartitionInfo;
import io.gatehouse.core.model.MessageProperties;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.qpid.proton.amqp.Binary;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.DeliveryAnnotations;
import org.apache.qpid.proton.amqp.messaging.MessageAnnotations;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.message.Message;

/**
 * A stored D2C event as IoT Hub's built-in (Event Hubs-compatible) endpoint delivers it: the device's body as Data,
 * its properties and application properties, and the message annotations Event Hubs clients read as system
 * properties: {@code x-opt-sequence-number} (long), {@code x-opt-offset} (string), {@code x-opt-enqueued-time}
 * (timestamp), and IoT Hub's {@code iothub-connection-device-id} (with {@code iothub-connection-module-id} for a
 * module's events), {@code iothub-connection-auth-generation-id},
 * {@code iothub-connection-auth-method}, {@code iothub-enqueuedtime} (timestamp), {@code iothub-message-source}
 * ({@code Telemetry}). No partition key is set: IoT Hub partitions by device, not by key.
 */
public final class EventMessageEncoder {

    static final Symbol SEQUENCE_NUMBER = Symbol.valueOf("x-opt-sequence-number");
    static final Symbol OFFSET = Symbol.valueOf("x-opt-offset");
    static final Symbol ENQUEUED_TIME = Symbol.valueOf("x-opt-enqueued-time");
    static final Symbol DEVICE_ID = Symbol.valueOf("iothub-connection-device-id");
    static final Symbol MODULE_ID = Symbol.valueOf("iothub-connection-module-id");
    static final Symbol GENERATION_ID = Symbol.valueOf("iothub-connection-auth-generation-id");
    static final Symbol AUTH_METHOD = Symbol.valueOf("iothub-connection-auth-method");
    static final Symbol IOTHUB_ENQUEUED_TIME = Symbol.valueOf("iothub-enqueuedtime");
    static final Symbol MESSAGE_SOURCE = Symbol.valueOf("iothub-message-source");
    static final Symbol LAST_SEQUENCE_NUMBER = Symbol.valueOf("last_enqueued_sequence_number");
    static final Symbol LAST_OFFSET = Symbol.valueOf("last_enqueued_offset");
    static final Symbol LAST_ENQUEUED_TIME = Symbol.valueOf("last_enqueued_time_utc");
    static final Symbol RETRIEVAL_TIME = Symbol.valueOf("runtime_info_retrieval_time_utc");

    private EventMessageEncoder() {
    }

    public static Message encode(D2cEvent event) {
        Message message = Message.Factory.create();
        MessageProperties mp = event.properties();
        Properties p = new Properties();
        p.setMessageId(mp.messageId());
        p.setCorrelationId(mp.correlationId());
        if (mp.userId() != null) {
            p.setUserId(new Binary(mp.userId().getBytes(StandardCharsets.UTF_8)));
        }
        p.setTo(mp.to());
        if (mp.contentType() != null) {
            p.setContentType(Symbol.valueOf(mp.contentType()));
        }
        if (mp.contentEncoding() != null) {
            p.setContentEncoding(Symbol.valueOf(mp.contentEncoding()));
        }
        Map<String, Object> app = new LinkedHashMap<>(mp.application());
        Date created = parseTime(mp.creationTimeUtc());
        if (created != null) {
            p.setCreationTime(created);
        } else if (mp.creationTimeUtc() != null) {
            app.put("iothub-creation-time-utc", mp.creationTimeUtc());
        }
        message.setProperties(p);
        message.setApplicationProperties(new ApplicationProperties(app));

        Date enqueued = Date.from(event.enqueuedTime());
        Map<Symbol, Object> annotations = new LinkedHashMap<>();
        annotations.put(SEQUENCE_NUMBER, event.sequenceNumber());
        annotations.put(OFFSET, Long.toString(event.offset()));
        annotations.put(ENQUEUED_TIME, enqueued);
        annotations.put(DEVICE_ID, event.source().deviceId().value());
        if (event.source().moduleId() != null) {
            annotations.put(MODULE_ID, event.source().moduleId());
        }
        annotations.put(GENERATION_ID, event.source().generationId());
        annotations.put(AUTH_METHOD, event.source().authMethod());
        annotations.put(IOTHUB_ENQUEUED_TIME, enqueued);
        annotations.put(MESSAGE_SOURCE, "Telemetry");
        message.setMessageAnnotations(new MessageAnnotations(annotations));
        message.setBody(MessageBodies.data(event.body()));
        return message;
    }

    private static Date parseTime(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Date.from(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The partition's last enqueued event, as delivery annotations, for receivers that track it (Event Hubs'
     * runtime metric): the SDKs read {@code last_enqueued_sequence_number} (long), {@code last_enqueued_offset}
     * (string), {@code last_enqueued_time_utc} and {@code runtime_info_retrieval_time_utc} (timestamps).
     */
    public static void addLastEnqueued(Message message, PartitionInfo partition, Instant now) {
        Map<Symbol, Object> annotations = new LinkedHashMap<>();
        annotations.put(LAST_SEQUENCE_NUMBER, partition.lastSequenceNumber());
        annotations.put(LAST_OFFSET, Long.toString(partition.lastOffset()));
        annotations.put(LAST_ENQUEUED_TIME, Date.from(partition.lastEnqueuedTime() == null ? Instant.EPOCH
                : partition.lastEnqueuedTime()));
        annotations.put(RETRIEVAL_TIME, Date.from(now));
        message.setDeliveryAnnotations(new DeliveryAnnotations(annotations));
    }

    public static int sizeHint(D2cEvent event) {
        return event.body().length + event.properties().approximateSize() * 2 + 512;
    }
}
