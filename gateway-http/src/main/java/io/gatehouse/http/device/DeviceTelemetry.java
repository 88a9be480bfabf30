package io.gatehouse.http.device;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.http.Json;
import io.gatehouse.http.MessageHeaders;
import io.gatehouse.http.RestException;
import io.gatehouse.http.RestRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A telemetry POST as events: one event from the body and headers, or, with content type
 * {@code application/vnd.microsoft.iothub.json}, one per element of the SDKs' batch array
 * {@code [{"body":"<base64>","base64Encoded":true,"properties":{"iothub-app-k":"v","iothub-messageid":".."}}]}
 * (the Node SDK leaves {@code base64Encoded} out: the body is base64 unless it is {@code false}).
 */
record DeviceTelemetry(MessageProperties properties, byte[] body) {

    static final String BATCH_CONTENT_TYPE = "application/vnd.microsoft.iothub.json";
    static final String CONTENT_TYPE = "iothub-contenttype";
    static final String CONTENT_ENCODING = "iothub-contentencoding";
    static final String CREATION_TIME = "iothub-creation-time-utc";
    /** More elements than this in one batch is a client error, not a reason to allocate without bound. */
    static final int MAX_BATCH = 500;

    static List<DeviceTelemetry> of(RestRequest request) {
        String contentType = request.header("Content-Type");
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(BATCH_CONTENT_TYPE)) {
            return batch(request.body());
        }
        return List.of(new DeviceTelemetry(properties(request.headers()), request.body()));
    }

    /** The system and application properties named IoT Hub's HTTPS way (headers, or a batch element's map). */
    static MessageProperties properties(Iterable<Map.Entry<String, String>> named) {
        MessageProperties.Builder properties = MessageHeaders.read(named);
        for (Map.Entry<String, String> entry : named) {
            switch (entry.getKey().toLowerCase(Locale.ROOT)) {
                case CONTENT_TYPE -> properties.contentType(entry.getValue());
                case CONTENT_ENCODING -> properties.contentEncoding(entry.getValue());
                case CREATION_TIME -> properties.creationTimeUtc(entry.getValue());
                default -> {
                    // other iothub-* names are the request's routing (iothub-to) or not stored
                }
            }
        }
        return properties.build();
    }

    private static List<DeviceTelemetry> batch(byte[] body) {
        JsonNode array;
        try {
            array = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw RestException.badRequest("the batch is not valid JSON");
        }
        if (array == null || !array.isArray() || array.isEmpty()) {
            throw RestException.badRequest("a batch is a non-empty JSON array of messages");
        }
        if (array.size() > MAX_BATCH) {
            throw RestException.badRequest("a batch holds at most " + MAX_BATCH + " messages");
        }
        List<DeviceTelemetry> events = new ArrayList<>(array.size());
        for (JsonNode element : array) {
            events.add(element(element));
        }
        return events;
    }

    private static DeviceTelemetry element(JsonNode element) {
        JsonNode body = element.get("body");
        if (!element.isObject() || body == null || !body.isTextual()) {
            throw RestException.badRequest("each batch element needs a string 'body'");
        }
        byte[] bytes;
        // the body is base64 unless the element says otherwise: the Node SDK sends no flag, the Java SDK true
        if (element.path("base64Encoded").asBoolean(true)) {
            try {
                bytes = Base64.getDecoder().decode(body.asText());
            } catch (IllegalArgumentException e) {
                throw RestException.badRequest("a batch element's body is not valid base64");
            }
        } else {
            bytes = body.asText().getBytes(StandardCharsets.UTF_8);
        }
        JsonNode properties = element.path("properties");
        List<Map.Entry<String, String>> named = new ArrayList<>();
        if (properties.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!field.getValue().isNull()) {
                    named.add(new SimpleEntry<>(field.getKey(), field.getValue().asText()));
                }
            }
        } else if (!properties.isMissingNode() && !properties.isNull()) {
            throw RestException.badRequest("a batch element's 'properties' must be an object");
        }
        return new DeviceTelemetry(properties(named), bytes);
    }
}
