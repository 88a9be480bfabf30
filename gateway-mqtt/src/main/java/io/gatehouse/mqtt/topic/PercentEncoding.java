package io.gatehouse.mqtt.topic;

import java.nio.charset.StandardCharsets;

/**
 * The URL encoding of property-bag keys and values (docs/protocols.md#mqtt-311).
 *
 * <p>Decoding follows {@code application/x-www-form-urlencoded} ({@code +} is a space), because the Java SDK
 * encodes with {@link java.net.URLEncoder}; a value the Node SDK encodes with {@code encodeURIComponent} decodes
 * the same. A malformed escape is an error, as with {@link java.net.URLDecoder}; invalid UTF-8 becomes U+FFFD.
 *
 * <p>Encoding escapes everything but RFC 3986's unreserved characters and writes a space as {@code %20}: both
 * SDKs' decoders read that, and the result never holds an MQTT wildcard ({@code +}, {@code #}).
 */
public final class PercentEncoding {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PercentEncoding() {
    }

    /** Decodes {@code s[from, to)}. */
    public static String decode(String s, int from, int to) {
        int i = from;
        while (i < to) {
            char c = s.charAt(i);
            if (c == '%' || c == '+') {
                break;
            }
            i++;
        }
        if (i == to) {
            return s.substring(from, to); // the common case: nothing to decode
        }
        byte[] bytes = new byte[to - from];
        int n = 0;
        for (int j = from; j < to; j++) {
            char c = s.charAt(j);
            if (c == '+') {
                bytes[n++] = ' ';
            } else if (c == '%') {
                if (j + 2 >= to) {
                    throw new IllegalArgumentException("incomplete %-escape at the end of '" + s.substring(from, to) + "'");
                }
                int hi = Character.digit(s.charAt(j + 1), 16);
                int lo = Character.digit(s.charAt(j + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("malformed %-escape '" + s.substring(j, j + 3) + "'");
                }
                bytes[n++] = (byte) ((hi << 4) | lo);
                j += 2;
            } else if (c < 0x80) {
                bytes[n++] = (byte) c;
            } else {
                // a raw non-ASCII character (MQTT topics are UTF-8): keep its UTF-8 bytes
                int end = j + (Character.isHighSurrogate(c) && j + 1 < to ? 2 : 1);
                byte[] utf8 = s.substring(j, end).getBytes(StandardCharsets.UTF_8);
                if (n + utf8.length > bytes.length) {
                    byte[] bigger = new byte[bytes.length + utf8.length + (to - j)];
                    System.arraycopy(bytes, 0, bigger, 0, n);
                    bytes = bigger;
                }
                System.arraycopy(utf8, 0, bytes, n, utf8.length);
                n += utf8.length;
                j = end - 1;
            }
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    public static String decode(String s) {
        return decode(s, 0, s.length());
    }

    /** Appends {@code value} percent-encoded to {@code out}. */
    public static void encode(CharSequence value, StringBuilder out) {
        int length = value.length();
        int plain = 0;
        while (plain < length && isUnreserved(value.charAt(plain))) {
            plain++;
        }
        // the common case (ids, most property values): one bulk copy of what needs no escape
        out.append(value, 0, plain);
        for (int i = plain; i < length; i++) {
            char c = value.charAt(i);
            if (isUnreserved(c)) {
                out.append(c);
            } else if (c < 0x80) {
                escape(c, out);
            } else {
                int end = i + (Character.isHighSurrogate(c) && i + 1 < length ? 2 : 1);
                for (byte b : value.subSequence(i, end).toString().getBytes(StandardCharsets.UTF_8)) {
                    escape(b & 0xff, out);
                }
                i = end - 1;
            }
        }
    }

    public static String encode(CharSequence value) {
        StringBuilder out = new StringBuilder(value.length() + 16);
        encode(value, out);
        return out.toString();
    }

    private static void escape(int b, StringBuilder out) {
        out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
