package io.gatehouse.core.auth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A parsed {@code SharedAccessSignature} token. The fields may come in any order (the Java device SDK
 * sends {@code sig, se, sr}; the service SDKs {@code sr, sig, se, skn}), and {@code sr} may or may not be
 * URL-encoded: the signature covers {@code sr} exactly as it appears, so that raw text is kept.
 */
public record SasToken(String rawResource, String resource, String signature, long expirySeconds, String keyName) {

    private static final String PREFIX = "SharedAccessSignature ";
    private static final int MAX_TOKEN_LENGTH = 4096;

    /** Parses a token; throws {@link IllegalArgumentException} saying what is wrong. */
    public static SasToken parse(String token) {
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("no token");
        }
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw new IllegalArgumentException("token longer than " + MAX_TOKEN_LENGTH + " characters");
        }
        if (!token.startsWith(PREFIX)) {
            throw new IllegalArgumentException("token does not start with 'SharedAccessSignature '");
        }
        Map<String, String> fields = new HashMap<>();
        for (String pair : token.substring(PREFIX.length()).trim().split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("malformed token field '" + pair + "'");
            }
            if (fields.put(pair.substring(0, eq), pair.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("token field '" + pair.substring(0, eq) + "' repeated");
            }
        }
        String sr = require(fields, "sr");
        String sig = decode(require(fields, "sig"));
        String se = require(fields, "se");
        long expiry;
        try {
            expiry = Long.parseLong(se);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("token expiry 'se' is not a number");
        }
        String skn = fields.get("skn");
        return new SasToken(sr, decode(sr), sig, expiry, skn == null ? null : decode(skn));
    }

    /** The device id the resource names ({@code host/devices/{id}[/...]}), or null for a hub-wide resource. */
    public String deviceId() {
        String[] parts = resource.split("/");
        for (int i = 1; i + 1 < parts.length; i++) {
            if (parts[i].equalsIgnoreCase("devices")) {
                return parts[i + 1];
            }
        }
        return null;
    }

    /** The module id the resource names ({@code host/devices/{id}/modules/{moduleId}[/...]}), or null. */
    public String moduleId() {
        String[] parts = resource.split("/");
        for (int i = 1; i + 3 < parts.length; i++) {
            if (parts[i].equalsIgnoreCase("devices") && parts[i + 2].equalsIgnoreCase("modules")) {
                return parts[i + 3];
            }
        }
        return null;
    }

    private static String require(Map<String, String> fields, String name) {
        String value = fields.get(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("token has no '" + name + "'");
        }
        return value;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("token field is not valid URL encoding");
        }
    }
}
