package io.gatehouse.core.queue;

import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.MessageProperties;
import java.time.Instant;
import java.util.Objects;

/**
 * A C2D message as a service sends it. {@code properties.messageId} may be null (one is generated);
 * {@code expiry} null means now + the hub's default TTL.
 */
public record C2dRequest(MessageProperties properties, AckMode ack, Instant expiry, byte[] body) {

    public C2dRequest {
        Objects.requireNonNull(properties, "properties");
        Objects.requireNonNull(ack, "ack");
        Objects.requireNonNull(body, "body");
    }

    public static C2dRequest of(String messageId, byte[] body) {
        return new C2dRequest(MessageProperties.builder().messageId(messageId).build(), AckMode.NONE, null, body);
    }

    public int size() {
        return body.length + properties.approximateSize();
    }
}
