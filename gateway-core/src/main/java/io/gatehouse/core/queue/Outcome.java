package io.gatehouse.core.queue;

import io.gatehouse.core.feedback.FeedbackStatus;

/** How a message left its queue. */
public enum Outcome {
    COMPLETED(FeedbackStatus.SUCCESS),
    REJECTED(FeedbackStatus.REJECTED),
    EXPIRED(FeedbackStatus.EXPIRED),
    DELIVERY_COUNT_EXCEEDED(FeedbackStatus.DELIVERY_COUNT_EXCEEDED),
    PURGED(FeedbackStatus.PURGED);

    private final FeedbackStatus feedbackStatus;

    Outcome(FeedbackStatus feedbackStatus) {
        this.feedbackStatus = feedbackStatus;
    }

    public FeedbackStatus feedbackStatus() {
        return feedbackStatus;
    }

    /** Every outcome but completion and purge dead-letters the message. */
    public boolean isDeadLetter() {
        return this == REJECTED || this == EXPIRED || this == DELIVERY_COUNT_EXCEEDED;
    }
}
