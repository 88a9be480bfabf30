package io.gatehouse.http.device;

import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.QueueMessage;
import io.gatehouse.http.MessageHeaders;
import io.gatehouse.http.RestResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A C2D message as the answer to a device's GET, the way the SDKs parse it: the body as is, the lock token
 * as the (quoted) {@code ETag}, system properties as {@code iothub-*} headers and application properties as
 * {@code iothub-app-NAME}. {@code iothub-deliverycount} counts earlier deliveries, like AMQP's header.
 */
final class C2dResponse {

    private C2dResponse() {
    }

    static RestResponse of(Delivery delivery) {
        QueueMessage message = delivery.message();
        MessageProperties properties = message.properties();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("ETag", "\"" + delivery.lockToken() + "\"");
        put(headers, MessageHeaders.MESSAGE_ID, properties.messageId());
        put(headers, MessageHeaders.CORRELATION_ID, properties.correlationId());
        put(headers, MessageHeaders.USER_ID, properties.userId());
        put(headers, "iothub-to", properties.to());
        put(headers, DeviceTelemetry.CONTENT_TYPE, properties.contentType());
        put(headers, DeviceTelemetry.CONTENT_ENCODING, properties.contentEncoding());
        headers.put("iothub-enqueuedtime", message.enqueuedTime().toString());
        headers.put("iothub-expiry", message.expiryTime().toString());
        headers.put("iothub-deliverycount", Integer.toString(delivery.deliveryCount() - 1));
        headers.put("iothub-ack", message.ack().wireName());
        properties.application().forEach((name, value) -> put(headers, MessageHeaders.APP_PREFIX + name, value));
        return new RestResponse(200, headers, "application/octet-stream", message.body());
    }

    /**
     * Leaves out what a header cannot carry (a name that is not a token, a value with control characters):
     * writing it would either fail the whole response or split it.
     */
    private static void put(Map<String, String> headers, String name, String value) {
        if (value != null && !value.isEmpty() && isToken(name) && isHeaderValue(value)) {
            headers.put(name, value);
        }
    }

    private static boolean isToken(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= 0x20 || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                return false;
            }
        }
        return !name.isEmpty();
    }

    private static boolean isHeaderValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }
}
