package io.gatehouse.mqtt.topic;

import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.QueueMessage;
import java.util.Map;

/**
 * IoT Hub's property bag: the {@code k=v&k=v} suffix of a telemetry or C2D topic (docs/protocols.md#mqtt-311).
 *
 * <p>System properties use {@code $.}-prefixed keys; every other key is an application property.
 */
public final class PropertyBag {

    public static final String MESSAGE_ID = "$.mid";
    public static final String CORRELATION_ID = "$.cid";
    public static final String USER_ID = "$.uid";
    public static final String TO = "$.to";
    public static final String CONTENT_TYPE = "$.ct";
    public static final String CONTENT_ENCODING = "$.ce";
    public static final String CREATION_TIME = "$.ctime";
    public static final String CONNECTION_DEVICE_ID = "$.cdid";
    public static final String CONNECTION_MODULE_ID = "$.cmid";
    public static final String ACK = "iothub-ack";

    private PropertyBag() {
    }

    /**
     * Parses a device's bag (the part of the topic after {@code messages/events/}). Keys and values are
     * URL-decoded; a key without {@code =} has an empty value; empty segments are skipped; a repeated key keeps
     * its last value. {@code $.cdid}/{@code $.cmid} are dropped: the gateway stamps the authenticated identity,
     * a device never names it. An empty system property counts as absent.
     *
     * @throws IllegalArgumentException on a malformed %-escape
     */
    public static MessageProperties parse(String bag) {
        if (bag.isEmpty()) {
            return MessageProperties.EMPTY;
        }
        MessageProperties.Builder properties = MessageProperties.builder();
        int start = 0;
        int length = bag.length();
        while (start <= length) {
            int end = bag.indexOf('&', start);
            if (end < 0) {
                end = length;
            }
            if (end > start) {
                int eq = bag.indexOf('=', start);
                String key;
                String value;
                if (eq < 0 || eq > end) {
                    key = PercentEncoding.decode(bag, start, end);
                    value = "";
                } else {
                    key = PercentEncoding.decode(bag, start, eq);
                    value = PercentEncoding.decode(bag, eq + 1, end);
                }
                apply(properties, key, value);
            }
            start = end + 1;
        }
        return properties.build();
    }

    private static void apply(MessageProperties.Builder properties, String key, String value) {
        String system = value.isEmpty() ? null : value;
        switch (key) {
            case MESSAGE_ID -> properties.messageId(system);
            case CORRELATION_ID -> properties.correlationId(system);
            case USER_ID -> properties.userId(system);
            case TO -> properties.to(system);
            case CONTENT_TYPE -> properties.contentType(system);
            case CONTENT_ENCODING -> properties.contentEncoding(system);
            case CREATION_TIME -> properties.creationTimeUtc(system);
            case CONNECTION_DEVICE_ID, CONNECTION_MODULE_ID -> {
                // the stored event carries the authenticated identity instead
            }
            default -> {
                if (!key.isEmpty()) {
                    properties.put(key, value);
                }
            }
        }
    }

    /**
     * Appends the bag of a C2D message as the Java device SDK needs it: it starts with a {@code %24.} key
     * ({@code %24.mid}, always present), keys and values are URL-encoded, and empty values are left out (the SDK
     * crashes on {@code k=}). Order: {@code $.mid, $.to, $.cid, $.uid, $.ct, $.ce, iothub-ack}, then the
     * application properties in their order. An application property named {@code iothub-ack} is left out (the
     * message's ack mode is written once, from the core).
     */
    public static void formatC2d(QueueMessage message, StringBuilder out) {
        MessageProperties p = message.properties();
        out.append("%24.mid=");
        PercentEncoding.encode(p.messageId(), out);
        appendIfPresent(out, "%24.to=", p.to());
        appendIfPresent(out, "%24.cid=", p.correlationId());
        appendIfPresent(out, "%24.uid=", p.userId());
        appendIfPresent(out, "%24.ct=", p.contentType());
        appendIfPresent(out, "%24.ce=", p.contentEncoding());
        out.append('&').append(ACK).append('=').append(message.ack().wireName());
        for (Map.Entry<String, String> e : p.application().entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (key.isEmpty() || value.isEmpty() || key.equals(ACK)) {
                continue;
            }
            out.append('&');
            PercentEncoding.encode(key, out);
            out.append('=');
            PercentEncoding.encode(value, out);
        }
    }

    private static void appendIfPresent(StringBuilder out, String keyAndEquals, String value) {
        if (value != null && !value.isEmpty()) {
            out.append('&').append(keyAndEquals);
            PercentEncoding.encode(value, out);
        }
    }
}
