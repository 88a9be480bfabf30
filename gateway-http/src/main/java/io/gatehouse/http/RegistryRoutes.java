package io.gatehouse.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.ownership.DevicePresence;
import io.gatehouse.core.registry.AccessRight;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.registry.DeviceStatus;
import io.gatehouse.core.registry.DeviceUpdate;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * IoT Hub's registry REST API: devices with etags, purge of a device's C2D queue, and the
 * registry statistics. A PUT without {@code If-Match} creates; with it (an etag or {@code *}) it updates.
 */
public final class RegistryRoutes {

    private final GatewayCore core;

    public RegistryRoutes(GatewayCore core) {
        this.core = core;
    }

    public void register(Router router) {
        router.add(HttpMethod.PUT, "/devices/{id}", AccessRight.REGISTRY_WRITE, this::put)
                .add(HttpMethod.GET, "/devices/{id}", AccessRight.REGISTRY_READ, this::get)
                .add(HttpMethod.DELETE, "/devices/{id}", AccessRight.REGISTRY_WRITE, this::delete)
                .add(HttpMethod.GET, "/devices", AccessRight.REGISTRY_READ, this::list)
                .add(HttpMethod.DELETE, "/devices/{id}/commands", AccessRight.SERVICE_CONNECT, this::purge)
                .add(HttpMethod.GET, "/statistics/devices", AccessRight.REGISTRY_READ, this::deviceStatistics)
                .add(HttpMethod.GET, "/statistics/service", AccessRight.SERVICE_CONNECT, this::serviceStatistics);
    }

    private CompletableFuture<RestResponse> put(RestRequest request) {
        DeviceId id = request.deviceId();
        DeviceJson.DeviceInput input = DeviceJson.fromJson(Json.parse(request.body()));
        if (input.deviceId() != null && !input.deviceId().equals(id.value())) {
            throw RestException.badRequest("deviceId '" + input.deviceId() + "' in the body differs from '" + id + "' in the path");
        }
        String ifMatch = request.header(HttpHeaderNames.IF_MATCH.toString());
        CompletableFuture<Device> result = ifMatch == null
                ? core.registry().create(id, input.status() != null ? input.status() : DeviceStatus.ENABLED,
                        input.statusReason(), input.keys())
                : core.registry().update(id, ifMatch, new DeviceUpdate(input.status(), input.statusReason(), input.keys()));
        return result.thenApply(device -> deviceResponse(200, device));
    }

    private CompletableFuture<RestResponse> get(RestRequest request) {
        DeviceId id = request.deviceId();
        // in a cluster, created through another node a moment ago is found; connected to another node (its queue is
        // there) is asked of that node
        return core.registry().getLatest(id).thenCompose(found -> {
            Device device = found.orElseThrow(() -> notFound(id));
            return core.presences().of(id).thenApply(presence -> deviceResponse(200, device, presence));
        });
    }

    private CompletableFuture<RestResponse> delete(RestRequest request) {
        DeviceId id = request.deviceId();
        String ifMatch = request.header(HttpHeaderNames.IF_MATCH.toString());
        return core.registry().delete(id, ifMatch == null ? "*" : ifMatch).thenApply(device -> RestResponse.noContent());
    }

    private CompletableFuture<RestResponse> list(RestRequest request) {
        int top = request.intQuery("top", 1000, 1, Integer.MAX_VALUE);
        List<Device> devices = core.registry().list().stream().limit(top).toList();
        // in a cluster, the page's devices connected to (and queues held by) other nodes are asked of them, once
        return core.presences().of(devices.stream().map(Device::id).toList()).thenApply(presence -> {
            ArrayNode array = Json.MAPPER.createArrayNode();
            devices.forEach(d -> array.add(DeviceJson.toJson(d, presence.apply(d.id()))));
            return RestResponse.json(200, Json.bytes(array));
        });
    }

    private CompletableFuture<RestResponse> purge(RestRequest request) {
        DeviceId id = request.deviceId();
        if (core.registry().get(id).isEmpty()) {
            throw notFound(id);
        }
        return core.c2d().purge(id).thenApply(count -> {
            ObjectNode node = Json.MAPPER.createObjectNode();
            node.put("deviceId", id.value());
            node.put("totalMessagesPurged", count);
            return RestResponse.json(200, Json.bytes(node));
        });
    }

    private CompletableFuture<RestResponse> deviceStatistics(RestRequest request) {
        List<Device> devices = core.registry().list();
        long enabled = devices.stream().filter(Device::isEnabled).count();
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("totalDeviceCount", devices.size());
        node.put("enabledDeviceCount", enabled);
        node.put("disabledDeviceCount", devices.size() - enabled);
        return CompletableFuture.completedFuture(RestResponse.json(200, Json.bytes(node)));
    }

    private CompletableFuture<RestResponse> serviceStatistics(RestRequest request) {
        return core.presences().connectedCount().thenApply(connected -> {
            ObjectNode node = Json.MAPPER.createObjectNode();
            node.put("connectedDeviceCount", connected);
            return RestResponse.json(200, Json.bytes(node));
        });
    }

    private RestResponse deviceResponse(int status, Device device) {
        return deviceResponse(status, device, core.presences().here(device.id()));
    }

    private static RestResponse deviceResponse(int status, Device device, DevicePresence presence) {
        return RestResponse.json(status, Json.bytes(DeviceJson.toJson(device, presence)),
                Map.of("ETag", "\"" + device.etag() + "\""));
    }


    private static RestException notFound(DeviceId id) {
        return new RestException(404, "DeviceNotFound", "device " + id + " does not exist");
    }
}
