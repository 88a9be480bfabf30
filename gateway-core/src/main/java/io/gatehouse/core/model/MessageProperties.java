package io.gatehouse.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The system properties a client may set on a message (any of them may be null) and its application
 * properties, in the order they were given. Shared by D2C and C2D messages.
 */
public record MessageProperties(
        String messageId,
        String correlationId,
        String userId,
        String to,
        String contentType,
        String contentEncoding,
        String creationTimeUtc,
        Map<String, String> application) {

    public static final MessageProperties EMPTY =
            new MessageProperties(null, null, null, null, null, null, null, Map.of());

    public MessageProperties {
        Objects.requireNonNull(application, "application");
        // most messages carry none: the shared empty map, not a copy per message
        application = application.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(application));
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .messageId(messageId)
                .correlationId(correlationId)
                .userId(userId)
                .to(to)
                .contentType(contentType)
                .contentEncoding(contentEncoding)
                .creationTimeUtc(creationTimeUtc)
                .application(application);
    }

    /** Total characters of keys and values, as counted against message size limits. */
    public int approximateSize() {
        int size = len(messageId) + len(correlationId) + len(userId) + len(to) + len(contentType)
                + len(contentEncoding) + len(creationTimeUtc);
        if (!application.isEmpty()) {
            for (Map.Entry<String, String> e : application.entrySet()) {
                size += len(e.getKey()) + len(e.getValue());
            }
        }
        return size;
    }

    private static int len(String s) {
        return s == null ? 0 : s.length();
    }

    public static final class Builder {
        private String messageId;
        private String correlationId;
        private String userId;
        private String to;
        private String contentType;
        private String contentEncoding;
        private String creationTimeUtc;
        /** Created by the first {@link #put}: most builders never get one. */
        private Map<String, String> application = Map.of();

        public Builder messageId(String v) {
            messageId = v;
            return this;
        }

        public Builder correlationId(String v) {
            correlationId = v;
            return this;
        }

        public Builder userId(String v) {
            userId = v;
            return this;
        }

        public Builder to(String v) {
            to = v;
            return this;
        }

        public Builder contentType(String v) {
            contentType = v;
            return this;
        }

        public Builder contentEncoding(String v) {
            contentEncoding = v;
            return this;
        }

        public Builder creationTimeUtc(String v) {
            creationTimeUtc = v;
            return this;
        }

        public Builder put(String key, String value) {
            if (application.isEmpty()) {
                application = new LinkedHashMap<>();
            }
            application.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value of " + key));
            return this;
        }

        public Builder application(Map<String, String> values) {
            application = Map.of();
            values.forEach(this::put);
            return this;
        }

        public MessageProperties build() {
            return new MessageProperties(messageId, correlationId, userId, to, contentType, contentEncoding,
                    creationTimeUtc, application);
        }
    }
}
