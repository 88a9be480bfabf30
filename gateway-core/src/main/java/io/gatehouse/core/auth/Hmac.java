package io.gatehouse.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of SAS tokens: HMAC-SHA256 over {@code resource + "\n" + expiry}. Two conventions key it differently
 * (docs/event-hubs.md): the IoT SDKs with the base64-decoded key, the Event Hubs SDKs with the UTF-8 bytes of the key text.
 */
final class Hmac {

    private Hmac() {
    }

    /** IoT convention: keyed with the base64-decoded key. */
    static byte[] sign(String base64Key, String resource, long expirySeconds) {
        return sign(Base64.getDecoder().decode(base64Key), resource, expirySeconds);
    }

    /** Event Hubs convention: keyed with the key text's UTF-8 bytes, as written (not decoded). */
    static byte[] signWithKeyText(String keyText, String resource, long expirySeconds) {
        return sign(keyText.getBytes(StandardCharsets.UTF_8), resource, expirySeconds);
    }

    static String signBase64(String base64Key, String resource, long expirySeconds) {
        return Base64.getEncoder().encodeToString(sign(base64Key, resource, expirySeconds));
    }

    private static byte[] sign(byte[] key, String resource, long expirySeconds) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal((resource + "\n" + expirySeconds).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
