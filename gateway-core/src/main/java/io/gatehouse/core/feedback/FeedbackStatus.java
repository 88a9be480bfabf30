package io.gatehouse.core.feedback;

/** How a C2D message ended, as reported in feedback records. */
public enum FeedbackStatus {
    SUCCESS("Success", "Success"),
    EXPIRED("Expired", "Message expired"),
    DELIVERY_COUNT_EXCEEDED("DeliveryCountExceeded", "Message delivery count exceeded"),
    REJECTED("Rejected", "Message rejected"),
    PURGED("Purged", "Message purged");

    private final String statusCode;
    private final String description;

    FeedbackStatus(String statusCode, String description) {
        this.statusCode = statusCode;
        this.description = description;
    }

    /** The exact {@code statusCode} string the service SDKs parse. */
    public String statusCode() {
        return statusCode;
    }

    public String description() {
        return description;
    }

    public static FeedbackStatus fromStatusCode(String code) {
        for (FeedbackStatus s : values()) {
            if (s.statusCode.equals(code)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown feedback status code: " + code);
    }
}
