package io.gatehouse.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.AccessRight;
import io.gatehouse.core.registry.Module;
import io.gatehouse.core.session.DeviceConnections.ConnectionState;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * IoT Hub's registry REST API for module identities: {@code /devices/{id}/modules[/{moduleId}]}. A PUT without
 * {@code If-Match} creates; with it (an etag or {@code *}) it updates. The JSON is IoT Hub's module shape.
 */
public final class ModuleRoutes {

    private static final String MODULE = "/devices/{id}/modules/{moduleId}";

    private final GatewayCore core;

    public ModuleRoutes(GatewayCore core) {
        this.core = core;
    }

    public void register(Router router) {
        router.add(HttpMethod.PUT, MODULE, AccessRight.REGISTRY_WRITE, this::put)
                .add(HttpMethod.GET, MODULE, AccessRight.REGISTRY_READ, this::get)
                .add(HttpMethod.DELETE, MODULE, AccessRight.REGISTRY_WRITE, this::delete)
                .add(HttpMethod.GET, "/devices/{id}/modules", AccessRight.REGISTRY_READ, this::list);
    }

    private CompletableFuture<RestResponse> put(RestRequest request) {
        DeviceId device = request.deviceId();
        String moduleId = moduleId(request);
        JsonNode body = Json.parse(request.body());
        String bodyDevice = Json.text(body, "deviceId");
        String bodyModule = Json.text(body, "moduleId");
        if ((bodyDevice != null && !bodyDevice.equals(device.value())) || (bodyModule != null && !bodyModule.equals(moduleId))) {
            throw RestException.badRequest("deviceId/moduleId in the body differ from the path");
        }
        String ifMatch = request.header(HttpHeaderNames.IF_MATCH.toString());
        String managedBy = Json.text(body, "managedBy");
        CompletableFuture<Module> result = ifMatch == null
                ? core.modules().create(device, moduleId, managedBy, DeviceJson.keysOf(body))
                : core.modules().update(device, moduleId, ifMatch, managedBy, DeviceJson.keysOf(body));
        return result.thenApply(this::response);
    }

    private CompletableFuture<RestResponse> get(RestRequest request) {
        DeviceId device = request.deviceId();
        String moduleId = moduleId(request);
        // in a cluster the module may have been created through another node a moment ago, and be connected to any node
        return core.modules().getLatest(device, moduleId).thenCompose(found -> {
            Module module = found.orElseThrow(() -> notFound(device, moduleId));
            return core.presences().ofModule(device, moduleId).thenApply(connection -> response(module, connection));
        });
    }

    private CompletableFuture<RestResponse> delete(RestRequest request) {
        String ifMatch = request.header(HttpHeaderNames.IF_MATCH.toString());
        return core.modules().delete(request.deviceId(), moduleId(request), ifMatch == null ? "*" : ifMatch)
                .thenApply(module -> RestResponse.noContent());
    }

    private CompletableFuture<RestResponse> list(RestRequest request) {
        DeviceId device = request.deviceId();
        if (core.registry().get(device).isEmpty()) {
            throw new RestException(404, "DeviceNotFound", "device " + device + " does not exist");
        }
        ArrayNode array = Json.MAPPER.createArrayNode();
        core.modules().list(device).forEach(m -> array.add(json(m)));
        return CompletableFuture.completedFuture(RestResponse.json(200, Json.bytes(array)));
    }

    private RestResponse response(Module module) {
        return response(module, core.connections().state(module.deviceId(), module.moduleId()));
    }

    private static RestResponse response(Module module, ConnectionState connection) {
        return RestResponse.json(200, Json.bytes(json(module, connection)), Map.of("ETag", "\"" + module.etag() + "\""));
    }

    /** In a cluster, lists show modules connected to other nodes as disconnected. */
    private ObjectNode json(Module module) {
        return json(module, core.connections().state(module.deviceId(), module.moduleId()));
    }

    /** IoT Hub's module JSON. Modules get no C2D messages, so their count is always 0. */
    private static ObjectNode json(Module module, ConnectionState connection) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("moduleId", module.moduleId());
        node.put("deviceId", module.deviceId().value());
        if (module.managedBy() == null) {
            node.putNull("managedBy");
        } else {
            node.put("managedBy", module.managedBy());
        }
        node.put("generationId", module.generationId());
        node.put("etag", module.etag());
        node.put("connectionState", connection.connected() ? "Connected" : "Disconnected");
        node.put("connectionStateUpdatedTime", DeviceJson.time(connection.stateUpdatedTime()));
        node.put("lastActivityTime", DeviceJson.time(connection.lastActivityTime()));
        node.put("cloudToDeviceMessageCount", 0);
        DeviceJson.putAuthentication(node, module.keys());
        return node;
    }

    private static String moduleId(RestRequest request) {
        String moduleId = request.pathParameter("moduleId");
        if (!Module.isValidId(moduleId)) {
            throw RestException.badRequest("'" + moduleId + "' is not a valid module id");
        }
        return moduleId;
    }

    private static RestException notFound(DeviceId device, String moduleId) {
        return new RestException(404, "ModuleNotFound", "module " + moduleId + " does not exist on device " + device);
    }
}
