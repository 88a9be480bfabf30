package io.gatehouse.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.methods.MethodCall;
import io.gatehouse.core.methods.MethodResult;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.ownership.DevicePresence;
import io.gatehouse.core.query.Query;
import io.gatehouse.core.registry.AccessRight;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.twin.Twin;
import io.gatehouse.core.twin.TwinJson;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * IoT Hub's twin, direct method and query REST API: {@code GET/PATCH/PUT /twins/{id}} with {@code If-Match},
 * {@code POST /twins/{id}/methods}, and {@code POST /devices/query} with {@code x-ms-max-item-count} and
 * {@code x-ms-continuation} paging.
 */
public final class TwinRoutes {

    static final String CONTINUATION = "x-ms-continuation";
    static final String PAGE_SIZE = "x-ms-max-item-count";
    private static final int DEFAULT_PAGE_SIZE = 100;
    private static final int MAX_PAGE_SIZE = 1000;
    private static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    private static final java.util.regex.Pattern METHOD_NAME = java.util.regex.Pattern.compile("[^/#+?$\\s\\p{Cntrl}]{1,128}");

    /** The twin's properties only the device's own node knows in a cluster. */
    private static final Set<String> PRESENCE_PROPERTIES = Set.of("connectionState", "lastActivityTime",
            "cloudToDeviceMessageCount");

    private final GatewayCore core;

    public TwinRoutes(GatewayCore core) {
        this.core = core;
    }

    public void register(Router router) {
        router.add(HttpMethod.GET, "/twins/{id}", AccessRight.REGISTRY_READ, this::get)
                .add(HttpMethod.PATCH, "/twins/{id}", AccessRight.REGISTRY_WRITE, this::patch)
                .add(HttpMethod.PUT, "/twins/{id}", AccessRight.REGISTRY_WRITE, this::replace)
                .add(HttpMethod.POST, "/twins/{id}/methods", AccessRight.SERVICE_CONNECT, this::invoke)
                .add(HttpMethod.POST, "/devices/query", AccessRight.REGISTRY_READ, this::query);
    }

    private CompletableFuture<RestResponse> get(RestRequest request) {
        DeviceId id = request.deviceId();
        // the device may have been created through another node a moment ago; its own node has what it reported
        return core.registry().getLatest(id).thenCompose(found -> {
            found.orElseThrow(() -> notFound(id));
            return core.twinsWhereOwned().get(id).thenCompose(this::twinResponse);
        });
    }

    private CompletableFuture<RestResponse> patch(RestRequest request) {
        TwinBody body = TwinBody.of(Json.parse(request.body()));
        return core.twinsWhereOwned().patch(request.deviceId(), ifMatch(request), body.tags(), body.desired())
                .thenCompose(this::twinResponse);
    }

    private CompletableFuture<RestResponse> replace(RestRequest request) {
        TwinBody body = TwinBody.of(Json.parse(request.body()));
        return core.twinsWhereOwned().replace(request.deviceId(), ifMatch(request), body.tags(), body.desired())
                .thenCompose(this::twinResponse);
    }

    /** Tags and desired properties of a service's twin body; reported properties are the device's alone. */
    private record TwinBody(JsonNode tags, JsonNode desired) {
        static TwinBody of(JsonNode body) {
            JsonNode properties = body.get("properties");
            if (properties != null && properties.has("reported")) {
                throw RestException.badRequest("properties.reported can only be changed by the device");
            }
            return new TwinBody(objectOrNull(body.get("tags"), "tags"),
                    properties == null ? null : objectOrNull(properties.get("desired"), "properties.desired"));
        }

        private static JsonNode objectOrNull(JsonNode node, String name) {
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isObject()) {
                throw RestException.badRequest(name + " must be a JSON object");
            }
            return node;
        }
    }

    private CompletableFuture<RestResponse> invoke(RestRequest request) {
        DeviceId id = request.deviceId();
        JsonNode body = Json.parse(request.body());
        String name = Json.text(body, "methodName");
        if (name == null || name.isBlank()) {
            throw RestException.badRequest("methodName is required");
        }
        if (!METHOD_NAME.matcher(name).matches()) {
            // the name travels in an MQTT topic level ($iothub/methods/POST/{name}/?$rid=)
            throw RestException.badRequest("methodName must be 1 to 128 characters without '/', '#', '+', '?', '$' or spaces");
        }
        Duration response = seconds(body, "responseTimeoutInSeconds", DEFAULT_RESPONSE_TIMEOUT,
                MethodCall.MIN_RESPONSE_TIMEOUT, MethodCall.MAX_TIMEOUT);
        Duration connect = seconds(body, "connectTimeoutInSeconds", Duration.ZERO, Duration.ZERO, MethodCall.MAX_TIMEOUT);
        JsonNode payload = body.get("payload");
        byte[] payloadBytes = Json.bytes(payload == null ? Json.MAPPER.nullNode() : payload);
        return core.methods().invoke(id, new MethodCall(name, payloadBytes, response, connect))
                .thenApply(TwinRoutes::methodResponse);
    }

    private static RestResponse methodResponse(MethodResult result) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("status", result.status());
        node.set("payload", payloadJson(result.payload()));
        return RestResponse.json(200, Json.bytes(node));
    }

    /** The device's payload as JSON; what is not JSON (devices may send anything) goes as a JSON string. */
    private static JsonNode payloadJson(byte[] payload) {
        if (payload.length == 0) {
            return Json.MAPPER.nullNode();
        }
        try {
            return Json.MAPPER.readTree(payload);
        } catch (java.io.IOException e) {
            return Json.MAPPER.getNodeFactory().textNode(new String(payload, StandardCharsets.UTF_8));
        }
    }

    private static Duration seconds(JsonNode body, String field, Duration fallback, Duration min, Duration max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber() || value.intValue() < min.toSeconds()
                || value.intValue() > max.toSeconds()) {
            throw RestException.badRequest(field + " must be a whole number of seconds from " + min.toSeconds()
                    + " to " + max.toSeconds());
        }
        return Duration.ofSeconds(value.intValue());
    }

    private CompletableFuture<RestResponse> query(RestRequest request) {
        String text = Json.text(Json.parse(request.body()), "query");
        Query query = Query.parse(text);
        int pageSize = pageSize(request.header(PAGE_SIZE));
        String after = continuationOf(request.header(CONTINUATION));
        if (query.readsAny(PRESENCE_PROPERTIES)) {
            // conditions name connection states: in a cluster, every node is asked for its devices' first
            return core.presences().ofEveryDevice().thenApply(presence -> query.isCount() ? count(query, presence)
                    : twins(page(query, pageSize, after, presence), presence));
        }
        // the conditions read nothing that only a device's own node knows: the page is chosen here, and only its
        // devices' connection states are asked for
        Function<DeviceId, DevicePresence> here = core.presences()::here;
        if (query.isCount()) {
            return CompletableFuture.completedFuture(count(query, here));
        }
        Page page = page(query, pageSize, after, here);
        return core.presences().of(page.devices().stream().map(Device::id).toList())
                .thenApply(presence -> twins(page, presence));
    }

    /** The devices of one page of a query's result, and whether more follow. */
    private record Page(List<Device> devices, boolean more) {
    }

    private RestResponse count(Query query, Function<DeviceId, DevicePresence> presence) {
        long count = core.registry().list().stream().map(d -> serviceJson(d, presence))
                .filter(t -> t != null && query.matches(t)).count();
        ArrayNode rows = Json.MAPPER.createArrayNode();
        rows.addObject().put(query.countAlias(), count);
        return RestResponse.json(200, Json.bytes(rows), Map.of("x-ms-item-type", "Raw"));
    }

    private Page page(Query query, int pageSize, String after, Function<DeviceId, DevicePresence> presence) {
        List<Device> page = new ArrayList<>();
        for (Device device : core.registry().list()) {
            if (after != null && device.id().value().compareTo(after) <= 0) {
                continue;
            }
            ObjectNode twin = serviceJson(device, presence);
            if (twin == null || !query.matches(twin)) {
                continue;
            }
            if (page.size() == pageSize) {
                return new Page(page, true);
            }
            page.add(device);
        }
        return new Page(page, false);
    }

    private RestResponse twins(Page page, Function<DeviceId, DevicePresence> presence) {
        ArrayNode twins = Json.MAPPER.createArrayNode();
        page.devices().forEach(device -> {
            ObjectNode twin = serviceJson(device, presence);
            if (twin != null) { // deleted meanwhile
                twins.add(twin);
            }
        });
        Map<String, String> headers = new HashMap<>();
        headers.put("x-ms-item-type", "Twin");
        if (page.more()) {
            String last = page.devices().get(page.devices().size() - 1).id().value();
            headers.put(CONTINUATION, Base64.getUrlEncoder().withoutPadding().encodeToString(last.getBytes(StandardCharsets.UTF_8)));
        }
        return RestResponse.json(200, Json.bytes(twins), headers);
    }

    private static int pageSize(String header) {
        if (header == null || header.isBlank()) {
            return DEFAULT_PAGE_SIZE;
        }
        try {
            int size = Integer.parseInt(header.trim());
            if (size >= 1 && size <= MAX_PAGE_SIZE) {
                return size;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw RestException.badRequest(PAGE_SIZE + " must be an integer from 1 to " + MAX_PAGE_SIZE);
    }

    /** The device id a continuation token says the previous page ended with (devices are listed by id). */
    private static String continuationOf(String token) {
        if (token == null || token.isBlank()) {
            return null;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(token.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw RestException.badRequest(CONTINUATION + " is not a continuation token this gateway issued");
        }
    }

    private ObjectNode serviceJson(Device device, Function<DeviceId, DevicePresence> presence) {
        return core.twins().get(device.id()).map(twin -> TwinJson.service(twin, device, presence.apply(device.id())))
                .orElse(null);
    }

    /** One twin: its connection state and queue depth as the node owning the device knows them. */
    private CompletableFuture<RestResponse> twinResponse(Twin twin) {
        return core.presences().of(twin.deviceId()).thenApply(presence -> twinResponse(twin, presence));
    }

    private RestResponse twinResponse(Twin twin, DevicePresence presence) {
        Device device = core.registry().get(twin.deviceId()).orElseThrow(() -> notFound(twin.deviceId()));
        return RestResponse.json(200, Json.bytes(TwinJson.service(twin, device, presence)),
                Map.of("ETag", "\"" + twin.etag() + "\""));
    }

    private static String ifMatch(RestRequest request) {
        return request.header(HttpHeaderNames.IF_MATCH.toString());
    }

    private static RestException notFound(DeviceId id) {
        return new RestException(404, "DeviceNotFound", "device " + id + " does not exist");
    }
}
