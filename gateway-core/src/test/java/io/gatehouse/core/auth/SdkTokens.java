package io.gatehouse.core.auth;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * SAS tokens written the way each official SDK writes them (docs/protocols.md#sas-tokens), built here independently of
 * {@link SasTokens} so that the authenticator is checked against the SDKs, not against our own generator.
 */
final class SdkTokens {

    private SdkTokens() {
    }

    /**
     * Java device SDK ({@code IotHubSasToken}): {@code sig, se, sr}; {@code sr} is the host plus the path with
     * each segment form-URL-encoded ({@code IotHubUri.getResourceUri}), signed as it appears; {@code sig}
     * form-URL-encoded.
     */
    static String javaDevice(String host, String deviceId, String key, long expiry) {
        String sr = host + "/devices/" + URLEncoder.encode(deviceId, StandardCharsets.UTF_8);
        return "SharedAccessSignature sig=" + URLEncoder.encode(sign(key, sr, expiry), StandardCharsets.UTF_8)
                + "&se=" + expiry + "&sr=" + sr;
    }

    /** Node device SDK: {@code sr} first, {@code encodeURIComponentStrict(host/devices/id)}, then sig and se. */
    static String nodeDevice(String host, String deviceId, String key, long expiry) {
        String sr = uriComponentStrict(host + "/devices/" + deviceId);
        return "SharedAccessSignature sr=" + sr + "&sig=" + uriComponentStrict(sign(key, sr, expiry)) + "&se=" + expiry;
    }

    /** Service SDKs: {@code sr} the URL-encoded lower-case host, then sig, se, skn. */
    static String service(String host, String policy, String key, long expiry) {
        String sr = URLEncoder.encode(host.toLowerCase(java.util.Locale.ROOT), StandardCharsets.UTF_8);
        return "SharedAccessSignature sr=" + sr + "&sig=" + URLEncoder.encode(sign(key, sr, expiry), StandardCharsets.UTF_8)
                + "&se=" + expiry + "&skn=" + policy;
    }

    /** A policy-signed token for one device's resource (a device connecting with a DeviceConnect policy). */
    static String policyForDevice(String host, String deviceId, String policy, String key, long expiry) {
        String sr = uriComponentStrict(host + "/devices/" + deviceId);
        return "SharedAccessSignature sr=" + sr + "&sig=" + uriComponentStrict(sign(key, sr, expiry)) + "&se=" + expiry
                + "&skn=" + policy;
    }

    /**
     * Event Hubs SDKs (Java {@code EventHubSharedKeyCredential}, JS {@code signString}): {@code sr} the
     * form-URL-encoded audience as given (not lower-cased), keyed with the key text's UTF-8 bytes, then sig, se, skn.
     */
    static String eventHubs(String audience, String policy, String keyText, long expiry) {
        String sr = URLEncoder.encode(audience, StandardCharsets.UTF_8);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(keyText.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String sig = Base64.getEncoder().encodeToString(mac.doFinal((sr + "\n" + expiry).getBytes(StandardCharsets.UTF_8)));
            return "SharedAccessSignature sr=" + sr + "&sig=" + URLEncoder.encode(sig, StandardCharsets.UTF_8)
                    + "&se=" + expiry + "&skn=" + policy;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String sign(String base64Key, String sr, long expiry) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(base64Key), "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal((sr + "\n" + expiry).getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** JavaScript's encodeURIComponent, plus {@code !'()*} as the Azure SDK's "strict" variant does. */
    static String uriComponentStrict(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-_.~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
