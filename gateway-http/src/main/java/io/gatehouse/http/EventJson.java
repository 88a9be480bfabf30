package io.gatehouse.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.events.D2cEvent;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * D2C events as the service routes and the console's telemetry stream show them: positions, system and
 * application properties, the body as text or base64.
 */
public final class EventJson {

    private EventJson() {
    }

    static ArrayNode of(List<D2cEvent> events) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        events.forEach(e -> array.add(of(e)));
        return array;
    }

    public static ObjectNode of(D2cEvent e) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("partition", e.partition());
        node.put("sequenceNumber", e.sequenceNumber());
        node.put("offset", Long.toString(e.offset()));
        node.put("enqueuedTime", e.enqueuedTime().toString());
        node.put("deviceId", e.source().deviceId().value());
        if (e.source().moduleId() != null) {
            node.put("moduleId", e.source().moduleId());
        }
        ObjectNode system = node.putObject("systemProperties");
        putIfSet(system, "messageId", e.properties().messageId());
        putIfSet(system, "correlationId", e.properties().correlationId());
        putIfSet(system, "userId", e.properties().userId());
        putIfSet(system, "contentType", e.properties().contentType());
        putIfSet(system, "contentEncoding", e.properties().contentEncoding());
        putIfSet(system, "creationTimeUtc", e.properties().creationTimeUtc());
        ObjectNode app = node.putObject("properties");
        e.properties().application().forEach(app::put);
        String text = utf8(e.body());
        if (text != null) {
            node.put("body", text);
        } else {
            node.put("bodyBase64", Base64.getEncoder().encodeToString(e.body()));
        }
        return node;
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static void putIfSet(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }
}
