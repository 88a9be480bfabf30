package io.gatehouse.amqp.message;

import io.gatehouse.core.model.MessageProperties;
import java.util.Date;
import java.util.Map;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.message.Message;

/**
 * A device's telemetry message as the core stores it. System properties come from the AMQP properties section
 * (message-id, correlation-id, user-id, to, content-type, content-encoding, creation-time); application
 * properties become strings (see {@link PropertyText}). Two application properties are special:
 * {@code iothub-creation-time-utc} (how the Java device SDK sends a creation time) is the creation time, and
 * {@code iothub-connection-*} names are dropped, because those are stamped by the gateway from the authenticated
 * identity and a device must not be able to forge them. Message annotations are not kept.
 */
public final class D2cMessageMapper {

    static final String CREATION_TIME_PROPERTY = "iothub-creation-time-utc";
    static final String STAMPED_PREFIX = "iothub-connection-";

    private D2cMessageMapper() {
    }

    public static MessageProperties toProperties(Message message) {
        MessageProperties.Builder b = MessageProperties.builder();
        Properties p = message.getProperties();
        if (p != null) {
            b.messageId(PropertyText.ofId(p.getMessageId()))
                    .correlationId(PropertyText.ofId(p.getCorrelationId()))
                    .userId(PropertyText.ofId(p.getUserId()))
                    .to(p.getTo())
                    .contentType(p.getContentType() == null ? null : p.getContentType().toString())
                    .contentEncoding(p.getContentEncoding() == null ? null : p.getContentEncoding().toString())
                    .creationTimeUtc(iso(p.getCreationTime()));
        }
        String creationTime = p == null ? null : iso(p.getCreationTime());
        ApplicationProperties app = message.getApplicationProperties();
        if (app != null && app.getValue() != null) {
            for (Map.Entry<String, Object> e : app.getValue().entrySet()) {
                String key = e.getKey();
                String value = PropertyText.of(e.getValue());
                if (key == null || value == null || key.startsWith(STAMPED_PREFIX)) {
                    continue;
                }
                if (key.equals(CREATION_TIME_PROPERTY)) {
                    if (creationTime == null) {
                        creationTime = value;
                        b.creationTimeUtc(value);
                    }
                    continue;
                }
                b.put(key, value);
            }
        }
        return b.build();
    }

    private static String iso(Date date) {
        return date == null ? null : date.toInstant().toString();
    }
}
