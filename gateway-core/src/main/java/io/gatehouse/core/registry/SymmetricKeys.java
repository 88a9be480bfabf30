package io.gatehouse.core.registry;

import java.security.SecureRandom;
import java.util.Base64;

/** A primary and a secondary base64 key; either one signs valid tokens. */
public record SymmetricKeys(String primaryKey, String secondaryKey) {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int GENERATED_KEY_BYTES = 32;

    public SymmetricKeys {
        checkKey("primaryKey", primaryKey);
        checkKey("secondaryKey", secondaryKey);
    }

    public static SymmetricKeys generate() {
        return new SymmetricKeys(randomKey(), randomKey());
    }

    public static String randomKey() {
        byte[] bytes = new byte[GENERATED_KEY_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** The key bytes for HMAC. */
    public static byte[] decode(String key) {
        return Base64.getDecoder().decode(key);
    }

    /** IoT Hub accepts base64 keys of 16 to 64 bytes. */
    private static void checkKey(String name, String key) {
        byte[] bytes;
        try {
            bytes = key == null ? null : Base64.getDecoder().decode(key);
        } catch (IllegalArgumentException e) {
            bytes = null;
        }
        if (bytes == null || bytes.length < 16 || bytes.length > 64) {
            throw new IllegalArgumentException(name + " must be a base64 key of 16 to 64 bytes");
        }
    }
}
