package io.gatehouse.core.auth;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;

/** Creates SAS tokens in the forms the official SDKs send (for tests, the CLI and the server banner). */
public final class SasTokens {

    private SasTokens() {
    }

    /**
     * A device token as the Java device SDK writes it: {@code sig, se, sr} with {@code sr} not URL-encoded as a
     * whole; like the SDK's {@code IotHubUri}, only the device id segment is URL-encoded (ids may hold
     * {@code %} and {@code +}).
     */
    public static String deviceToken(String host, String deviceId, String base64Key, Instant expiry) {
        String sr = host + "/devices/" + encode(deviceId);
        long se = expiry.getEpochSecond();
        return "SharedAccessSignature sig=" + encode(Hmac.signBase64(base64Key, sr, se)) + "&se=" + se + "&sr=" + sr;
    }

    /** A module token as the Java device SDK writes it: {@code sr={host}/devices/{id}/modules/{moduleId}}. */
    public static String moduleToken(String host, String deviceId, String moduleId, String base64Key, Instant expiry) {
        String sr = host + "/devices/" + encode(deviceId) + "/modules/" + encode(moduleId);
        long se = expiry.getEpochSecond();
        return "SharedAccessSignature sig=" + encode(Hmac.signBase64(base64Key, sr, se)) + "&se=" + se + "&sr=" + sr;
    }

    /** A device token as the Node SDK writes it: {@code sr} first and URL-encoded. */
    public static String deviceTokenEncoded(String host, String deviceId, String base64Key, Instant expiry) {
        String sr = encode(host + "/devices/" + deviceId);
        long se = expiry.getEpochSecond();
        return "SharedAccessSignature sr=" + sr + "&sig=" + encode(Hmac.signBase64(base64Key, sr, se)) + "&se=" + se;
    }

    /** A service token as the service SDKs write it: {@code sr} the URL-encoded lower-case host, with {@code skn}. */
    public static String serviceToken(String host, String policyName, String base64Key, Instant expiry) {
        return policyToken(host.toLowerCase(Locale.ROOT), policyName, base64Key, expiry);
    }

    /** A token signed with a policy key for any resource (a hub, or one device with DeviceConnect). */
    public static String policyToken(String resource, String policyName, String base64Key, Instant expiry) {
        String sr = encode(resource);
        long se = expiry.getEpochSecond();
        return "SharedAccessSignature sr=" + sr + "&sig=" + encode(Hmac.signBase64(base64Key, sr, se)) + "&se=" + se
                + "&skn=" + encode(policyName);
    }

    /**
     * A token as the Event Hubs SDKs write it (docs/event-hubs.md): {@code sr} the URL-encoded audience as given (not
     * lower-cased), signed with the key text's UTF-8 bytes.
     */
    public static String eventHubsToken(String audience, String policyName, String keyText, Instant expiry) {
        String sr = encode(audience);
        long se = expiry.getEpochSecond();
        String sig = java.util.Base64.getEncoder().encodeToString(Hmac.signWithKeyText(keyText, sr, se));
        return "SharedAccessSignature sr=" + sr + "&sig=" + encode(sig) + "&se=" + se + "&skn=" + encode(policyName);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
