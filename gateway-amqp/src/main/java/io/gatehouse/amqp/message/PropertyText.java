package io.gatehouse.amqp.message;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Date;
import org.apache.qpid.proton.amqp.Binary;

/**
 * How typed AMQP values become the strings the core stores (IoT Hub's properties are strings):
 * <ul>
 *   <li>strings, symbols, numbers (signed and unsigned), booleans, chars, UUIDs: their usual text
 *       ({@code 42}, {@code true}, {@code 3f2504e0-...});</li>
 *   <li>timestamps: ISO-8601 UTC ({@code 2024-05-01T10:15:30.123Z});</li>
 *   <li>binary: UTF-8 text for ids and {@code user-id}; base64 for application property values;</li>
 *   <li>null: absent (the property is dropped);</li>
 *   <li>anything else (lists, maps, described types): its {@code toString()}.</li>
 * </ul>
 */
public final class PropertyText {

    private PropertyText() {
    }

    /** A message id, correlation id or user id (binary read as UTF-8); null stays null. */
    public static String ofId(Object value) {
        if (value instanceof Binary binary) {
            return new String(binary.getArray(), binary.getArrayOffset(), binary.getLength(), StandardCharsets.UTF_8);
        }
        return of(value);
    }

    /** An application property value; null stays null. */
    public static String of(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Date date) {
            return date.toInstant().toString();
        }
        if (value instanceof Binary binary) {
            byte[] bytes = new byte[binary.getLength()];
            System.arraycopy(binary.getArray(), binary.getArrayOffset(), bytes, 0, bytes.length);
            return Base64.getEncoder().encodeToString(bytes);
        }
        return value.toString();
    }
}
