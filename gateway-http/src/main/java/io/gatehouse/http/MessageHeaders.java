package io.gatehouse.http;

import io.gatehouse.core.model.MessageProperties;
import java.util.Locale;
import java.util.Map;

/**
 * IoT Hub's HTTPS names for message properties, shared by the service send and the device API:
 * {@code iothub-messageid}, {@code iothub-correlationid}, {@code iothub-userid}, and {@code iothub-app-NAME}
 * for each application property NAME (its case kept as sent). Names match case-insensitively, as HTTP
 * header names do; the caller adds what differs (content type and encoding, expiry, ack).
 */
public final class MessageHeaders {

    public static final String MESSAGE_ID = "iothub-messageid";
    public static final String CORRELATION_ID = "iothub-correlationid";
    public static final String USER_ID = "iothub-userid";
    public static final String APP_PREFIX = "iothub-app-";

    private MessageHeaders() {
    }

    /** The properties named by {@code headers} (name, value pairs, e.g. an HTTP request's headers). */
    public static MessageProperties.Builder read(Iterable<Map.Entry<String, String>> headers) {
        MessageProperties.Builder properties = MessageProperties.builder();
        for (Map.Entry<String, String> header : headers) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            String value = header.getValue();
            switch (name) {
                case MESSAGE_ID -> properties.messageId(value);
                case CORRELATION_ID -> properties.correlationId(value);
                case USER_ID -> properties.userId(value);
                default -> {
                    if (name.startsWith(APP_PREFIX) && name.length() > APP_PREFIX.length() && value != null) {
                        properties.put(header.getKey().substring(APP_PREFIX.length()), value);
                    }
                }
            }
        }
        return properties;
    }
}
