package io.gatehouse.mqtt.topic;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * IoT Hub's twin and direct-method topics (docs/twins-and-methods.md), as the Java device SDK writes and reads them:
 *
 * <ul>
 *   <li>device → hub: {@code $iothub/twin/GET/?$rid={rid}}, {@code $iothub/twin/PATCH/properties/reported/?$rid={rid}[&$version={v}]},
 *       {@code $iothub/methods/res/{status}/?$rid={rid}};</li>
 *   <li>hub → device: {@code $iothub/twin/res/{status}/?$rid={rid}[&$version={v}]},
 *       {@code $iothub/twin/PATCH/properties/desired/?$version={v}}, {@code $iothub/methods/POST/{name}/?$rid={rid}};</li>
 *   <li>subscriptions: {@code $iothub/twin/res/#}, {@code $iothub/twin/PATCH/properties/desired/#},
 *       {@code $iothub/methods/POST/#}.</li>
 * </ul>
 * Request ids and versions are taken as written (no percent-decoding: the SDK writes them plain).
 */
public final class IotHubTopics {

    public static final String TWIN = "$iothub/twin/";
    public static final String METHODS = "$iothub/methods/";
    public static final String TWIN_RESPONSES_FILTER = "$iothub/twin/res/#";
    public static final String DESIRED_FILTER = "$iothub/twin/PATCH/properties/desired/#";
    public static final String METHODS_FILTER = "$iothub/methods/POST/#";

    private static final String TWIN_GET = "$iothub/twin/GET/";
    private static final String REPORTED_PATCH = "$iothub/twin/PATCH/properties/reported/";
    private static final String METHOD_RESPONSE = "$iothub/methods/res/";

    private IotHubTopics() {
    }

    /** What a device publishes on a twin or method topic. */
    public sealed interface Request {
        /** The request id, or null when the topic has none. */
        String requestId();
    }

    public record TwinGet(String requestId) implements Request {
    }

    public record ReportedPatch(String requestId) implements Request {
    }

    public record MethodResponse(String requestId, int status) implements Request {
    }

    /** A topic under {@code $iothub/} that names no operation we serve; the request id if one could be read. */
    public record Unknown(String requestId) implements Request {
    }

    /** The request a {@code $iothub/...} topic names. */
    public static Request parse(String topic) {
        String rid = parameters(topic).get("$rid");
        if (rid != null && rid.isEmpty()) {
            rid = null;
        }
        if (topic.startsWith(TWIN_GET) && path(topic).equals(TWIN_GET)) {
            return new TwinGet(rid);
        }
        if (topic.startsWith(REPORTED_PATCH) && path(topic).equals(REPORTED_PATCH)) {
            return new ReportedPatch(rid);
        }
        if (topic.startsWith(METHOD_RESPONSE)) {
            String rest = path(topic).substring(METHOD_RESPONSE.length());
            if (rest.endsWith("/")) {
                rest = rest.substring(0, rest.length() - 1);
            }
            if (rest.matches("[0-9]{1,9}")) {
                return new MethodResponse(rid, Integer.parseInt(rest));
            }
        }
        return new Unknown(rid);
    }

    public static String twinResponse(int status, String requestId, Long version) {
        return "$iothub/twin/res/" + status + "/?$rid=" + requestId + (version == null ? "" : "&$version=" + version);
    }

    public static String desiredPatch(long version) {
        return "$iothub/twin/PATCH/properties/desired/?$version=" + version;
    }

    public static String methodRequest(String name, String requestId) {
        return "$iothub/methods/POST/" + name + "/?$rid=" + requestId;
    }

    /** The topic up to its {@code ?}. */
    private static String path(String topic) {
        int question = topic.indexOf('?');
        return question < 0 ? topic : topic.substring(0, question);
    }

    /** The {@code key=value} pairs after the {@code ?}. */
    static Map<String, String> parameters(String topic) {
        Map<String, String> parameters = new LinkedHashMap<>();
        int question = topic.indexOf('?');
        if (question < 0) {
            return parameters;
        }
        for (String pair : topic.substring(question + 1).split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                parameters.putIfAbsent(pair.substring(0, equals), pair.substring(equals + 1));
            }
        }
        return parameters;
    }
}
