package io.gatehouse.mqtt.topic;

/** Text a client sent (topics, client ids, user names), made safe and short for one log line. */
public final class ClientText {

    private static final int MAX = 200;

    private ClientText() {
    }

    public static String quote(String text) {
        if (text == null) {
            return "(none)";
        }
        int length = Math.min(text.length(), MAX);
        StringBuilder out = new StringBuilder(length + 5).append('\'');
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? '?' : c); // no line breaks or escapes from clients in our logs
        }
        out.append('\'');
        if (text.length() > MAX) {
            out.append("...");
        }
        return out.toString();
    }
}
