package io.gatehouse.core.feedback;

import java.util.Locale;

/** Which outcomes of a C2D message produce feedback ({@code iothub-ack}). */
public enum AckMode {
    NONE("none"),
    POSITIVE("positive"),
    NEGATIVE("negative"),
    FULL("full");

    private final String wireName;

    AckMode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public boolean wantsFeedbackFor(FeedbackStatus status) {
        return switch (this) {
            case NONE -> false;
            case FULL -> true;
            case POSITIVE -> status == FeedbackStatus.SUCCESS;
            case NEGATIVE -> status != FeedbackStatus.SUCCESS;
        };
    }

    /**
     * Parses {@code iothub-ack}: {@code none|positive|negative|full} and the service SDKs' spellings
     * {@code positiveonly|negativeonly}, case-insensitively; absent means {@link #NONE}.
     */
    public static AckMode parse(String value) {
        if (value == null || value.isEmpty()) {
            return NONE;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "none" -> NONE;
            case "positive", "positiveonly" -> POSITIVE;
            case "negative", "negativeonly" -> NEGATIVE;
            case "full" -> FULL;
            default -> throw new IllegalArgumentException(
                    "iothub-ack must be none, positive, negative or full, not '" + value + "'");
        };
    }
}
