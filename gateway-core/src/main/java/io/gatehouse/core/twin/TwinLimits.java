package io.gatehouse.core.twin;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * IoT Hub's limits on twin content: keys up to 1 KB of UTF-8 without control characters, {@code .}, {@code $} or
 * space; objects nested at most 10 deep; tags at most 8 KB and each properties section at most 32 KB, counted as
 * IoT Hub counts (key and string lengths in UTF-8, 8 bytes per number, 4 per boolean, metadata excluded).
 * Violations are ArgumentInvalid (IoT Hub answers 400 with error code 400004).
 */
public final class TwinLimits {

    public static final int MAX_KEY_BYTES = 1024;
    public static final int MAX_DEPTH = 10;
    public static final int MAX_TAGS_BYTES = 8 * 1024;
    public static final int MAX_PROPERTIES_BYTES = 32 * 1024;

    private TwinLimits() {
    }

    /** Checks the keys and depth of a patch or replacement of {@code section}. */
    static void checkContent(String section, JsonNode content) {
        if (!content.isObject()) {
            throw invalid(section + " must be a JSON object");
        }
        checkObject(section, content, 1);
    }

    /** Checks the size of a section after a change. */
    static void checkSize(String section, JsonNode values, int limit) {
        long size = sizeOf(values);
        if (size > limit) {
            throw invalid(section + " would be " + size + " bytes; IoT Hub's limit is " + limit);
        }
    }

    private static void checkObject(String path, JsonNode object, int depth) {
        if (depth > MAX_DEPTH) {
            throw invalid(path + " is nested deeper than " + MAX_DEPTH + " levels");
        }
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            checkKey(path, field.getKey());
            String childPath = path + "." + field.getKey();
            JsonNode value = field.getValue();
            if (value.isObject()) {
                checkObject(childPath, value, depth + 1);
            } else if (value.isArray()) {
                for (JsonNode element : value) {
                    if (element.isObject()) {
                        checkObject(childPath + "[]", element, depth + 1);
                    }
                }
            }
        }
    }

    static void checkKey(String path, String key) {
        if (key.isEmpty()) {
            throw invalid("an empty key in " + path);
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw invalid("a key in " + path + " is longer than " + MAX_KEY_BYTES + " bytes");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '.' || c == '$' || c == ' ' || Character.getType(c) == Character.CONTROL) {
                throw invalid("key '" + printable(key) + "' in " + path
                        + " has a character IoT Hub refuses (control characters, '.', '$', space)");
            }
        }
    }

    /** IoT Hub's size: keys and strings in UTF-8 bytes, numbers 8, booleans 4, nested values summed. */
    static long sizeOf(JsonNode node) {
        if (node.isObject()) {
            long size = 0;
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                size += field.getKey().getBytes(StandardCharsets.UTF_8).length + sizeOf(field.getValue());
            }
            return size;
        }
        if (node.isArray()) {
            long size = 0;
            for (JsonNode element : node) {
                size += sizeOf(element);
            }
            return size;
        }
        if (node.isTextual()) {
            return node.textValue().getBytes(StandardCharsets.UTF_8).length;
        }
        if (node.isNumber()) {
            return 8;
        }
        if (node.isBoolean()) {
            return 4;
        }
        return 0;
    }

    private static String printable(String key) {
        StringBuilder sb = new StringBuilder();
        key.codePoints().limit(64).forEach(cp -> {
            if (Character.getType(cp) == Character.CONTROL) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    static GatewayException invalid(String message) {
        return new GatewayException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
