package io.gatehouse.amqp.message;

import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.message.Message;

/**
 * A message a service sends to {@code /messages/devicebound}: {@code to} = {@code /devices/{id}/messages/devicebound}
 * picks the device (the fixed parts match case-insensitively; the id is taken verbatim, as the service SDK writes
 * it), {@code iothub-ack} the feedback wanted, {@code absolute-expiry-time} the expiry. Every other property is kept.
 */
public final class C2dRequestMapper {

    public static final String ACK_PROPERTY = "iothub-ack";
    private static final String PREFIX = "/devices/";
    private static final String SUFFIX = "/messages/devicebound";

    /** Which device, and what to enqueue. */
    public record Addressed(DeviceId device, C2dRequest request) {
    }

    private C2dRequestMapper() {
    }

    /** Throws {@link GatewayException} (INVALID_ARGUMENT) saying what is wrong with the message. */
    public static Addressed toRequest(Message message) {
        Properties p = message.getProperties();
        String to = p == null ? null : p.getTo();
        DeviceId device = deviceOf(to);
        MessageProperties.Builder b = MessageProperties.builder()
                .messageId(PropertyText.ofId(p.getMessageId()))
                .correlationId(PropertyText.ofId(p.getCorrelationId()))
                .userId(PropertyText.ofId(p.getUserId()))
                .to(to)
                .contentType(p.getContentType() == null ? null : p.getContentType().toString())
                .contentEncoding(p.getContentEncoding() == null ? null : p.getContentEncoding().toString())
                .creationTimeUtc(p.getCreationTime() == null ? null : p.getCreationTime().toInstant().toString());
        AckMode ack = AckMode.NONE;
        ApplicationProperties app = message.getApplicationProperties();
        if (app != null && app.getValue() != null) {
            for (Map.Entry<String, Object> e : app.getValue().entrySet()) {
                String value = PropertyText.of(e.getValue());
                if (e.getKey() == null || value == null) {
                    continue;
                }
                if (e.getKey().equalsIgnoreCase(ACK_PROPERTY)) {
                    ack = parseAck(value);
                } else {
                    b.put(e.getKey(), value);
                }
            }
        }
        Instant expiry = p.getAbsoluteExpiryTime() == null ? null : p.getAbsoluteExpiryTime().toInstant();
        return new Addressed(device, new C2dRequest(b.build(), ack, expiry, MessageBodies.bytes(message)));
    }

    static DeviceId deviceOf(String to) {
        if (to == null) {
            throw invalid("the message has no 'to' property naming the device (/devices/{deviceId}/messages/devicebound)");
        }
        String lower = to.toLowerCase(Locale.ROOT);
        if (!lower.startsWith(PREFIX) || !lower.endsWith(SUFFIX) || to.length() <= PREFIX.length() + SUFFIX.length()) {
            throw invalid("'to' must be /devices/{deviceId}/messages/devicebound");
        }
        String id = to.substring(PREFIX.length(), to.length() - SUFFIX.length());
        if (!DeviceId.isValid(id)) {
            throw invalid("'to' names an invalid device id");
        }
        return DeviceId.of(id);
    }

    private static AckMode parseAck(String value) {
        try {
            return AckMode.parse(value);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    private static GatewayException invalid(String message) {
        return new GatewayException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
