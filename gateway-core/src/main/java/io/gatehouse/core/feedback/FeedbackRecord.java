package io.gatehouse.core.feedback;

import java.time.Instant;
import java.util.Objects;

/**
 * The outcome of one C2D message that asked for feedback. {@code time} is when the outcome happened
 * ({@code enqueuedTimeUtc} on the wire).
 */
public record FeedbackRecord(String originalMessageId, Instant time, FeedbackStatus status, String deviceId,
                             String deviceGenerationId) {

    public FeedbackRecord {
        Objects.requireNonNull(originalMessageId, "originalMessageId");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(deviceGenerationId, "deviceGenerationId");
    }
}
