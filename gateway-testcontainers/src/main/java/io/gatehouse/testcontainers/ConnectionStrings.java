package io.gatehouse.testcontainers;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the container's output says about how to connect, and the strings derived from it. */
final class ConnectionStrings {

    private static final Pattern SERVICE = Pattern.compile("Service connection string:\\s+(\\S+)");

    private ConnectionStrings() {
    }

    /** The {@code iothubowner} connection string of the start banner. */
    static String serviceFromBanner(String logs) {
        Matcher m = SERVICE.matcher(logs);
        if (!m.find()) {
            throw new IllegalStateException("the gateway has not printed its connection string");
        }
        return m.group(1);
    }

    /** The device connection string that {@code gatehouse device show} prints as its last line. */
    static String deviceFromShowOutput(String stdout) {
        String[] lines = stdout.strip().split("\\R");
        String last = lines[lines.length - 1].strip();
        if (!last.startsWith("HostName=") || !last.contains(";DeviceId=")) {
            throw new IllegalStateException("'gatehouse device show' printed no connection string: " + stdout);
        }
        return last;
    }

    /** The Event Hub-compatible endpoint of the hub, with the same policy: what the Event Hubs SDKs take. */
    static String eventHub(String serviceConnectionString, String hubName) {
        Map<String, String> parts = parts(serviceConnectionString);
        return "Endpoint=sb://" + parts.get("HostName") + "/;SharedAccessKeyName=" + parts.get("SharedAccessKeyName")
                + ";SharedAccessKey=" + parts.get("SharedAccessKey") + ";EntityPath=" + hubName;
    }

    static Map<String, String> parts(String connectionString) {
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : connectionString.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                parts.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return parts;
    }
}
