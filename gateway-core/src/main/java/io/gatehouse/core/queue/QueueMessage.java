package io.gatehouse.core.queue;

import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.MessageProperties;
import java.time.Instant;
import java.util.Objects;

/**
 * The immutable content of a message in a lifecycle queue (a C2D message, or a feedback message on the
 * service side): its properties ({@code messageId} always set), the feedback it asks for, when it was
 * enqueued and when it expires, and its body.
 */
public record QueueMessage(
        MessageProperties properties,
        AckMode ack,
        Instant enqueuedTime,
        Instant expiryTime,
        byte[] body) {

    public QueueMessage {
        Objects.requireNonNull(properties, "properties");
        Objects.requireNonNull(properties.messageId(), "messageId");
        Objects.requireNonNull(ack, "ack");
        Objects.requireNonNull(enqueuedTime, "enqueuedTime");
        Objects.requireNonNull(expiryTime, "expiryTime");
        Objects.requireNonNull(body, "body");
    }

    public String messageId() {
        return properties.messageId();
    }
}
