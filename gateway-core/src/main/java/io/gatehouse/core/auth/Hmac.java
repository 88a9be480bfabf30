package io.gatehouse.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The signature of SAS tokens: base64(HMAC-SHA256(base64-decoded key, resource + "\n" + expiry)). */
final class Hmac {

    private Hmac() {
    }

    static byte[] sign(String base64Key, String resource, long expirySeconds) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(base64Key), "HmacSHA256"));
            return mac.doFinal((resource + "\n" + expirySeconds).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    static String signBase64(String base64Key, String resource, long expirySeconds) {
        return Base64.getEncoder().encodeToString(sign(base64Key, resource, expirySeconds));
    }
}
