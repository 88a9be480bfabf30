package io.gatehouse.http.device;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.events.EventSource;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.queue.PolledInboxes.Settlement;
import io.gatehouse.http.RestException;
import io.gatehouse.http.RestRequest;
import io.gatehouse.http.RestResponse;
import io.gatehouse.http.RouteAccess;
import io.gatehouse.http.Router;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * IoT Hub's HTTPS device API (docs/device-transports.md), the third device protocol beside MQTT and AMQP: telemetry (of devices
 * and of modules), and C2D by polling with settlement by lock token (devices only: C2D goes to devices). Every route needs a token of the device in the path; a device reaches
 * only its own queue, and a lock token of another device's message is simply unknown here.
 */
public final class DeviceMessagingRoutes {

    private static final RouteAccess DEVICE = new RouteAccess.PathDevice();
    private static final String DEVICE_BOUND = "/devices/{id}/messages/deviceBound";

    private final GatewayCore core;

    public DeviceMessagingRoutes(GatewayCore core) {
        this.core = core;
    }

    public void register(Router router) {
        router.route(HttpMethod.POST, "/devices/{id}/messages/events", DEVICE, this::telemetry)
                .route(HttpMethod.POST, "/devices/{id}/modules/{moduleId}/messages/events", DEVICE, this::telemetry)
                .route(HttpMethod.GET, DEVICE_BOUND, DEVICE, this::receive)
                .route(HttpMethod.DELETE, DEVICE_BOUND + "/{etag}", DEVICE, this::completeOrReject)
                .route(HttpMethod.POST, DEVICE_BOUND + "/{etag}/abandon", DEVICE, this::abandon);
    }

    /** Devices holding a core receiver for HTTPS here now (each one that has a poll running or a message locked). */
    public int openInboxes() {
        return core.polls().openInboxes();
    }

    /** 204 once every event of the request is durable (a batch is stored in order, each event on its own). */
    private CompletableFuture<RestResponse> telemetry(RestRequest request) {
        List<DeviceTelemetry> events = DeviceTelemetry.of(request);
        EventSource source = EventSource.of(request.device());
        CompletableFuture<?>[] appends = new CompletableFuture<?>[events.size()];
        for (int i = 0; i < appends.length; i++) {
            appends[i] = core.events().append(source, events.get(i).properties(), events.get(i).body());
        }
        return CompletableFuture.allOf(appends).thenApply(ok -> RestResponse.noContent());
    }

    /** 200 with one message under lock, or 204 when none is waiting (the device polls again later). */
    private CompletableFuture<RestResponse> receive(RestRequest request) {
        // the lock is held where the device is owned, whichever node the next request reaches
        return core.polls().take(request.device().deviceId())
                .thenApply(taken -> taken.map(C2dResponse::of).orElseGet(RestResponse::noContent));
    }

    /**
     * {@code DELETE .../{etag}} completes; with the query parameter {@code reject} it dead-letters. The Java SDK
     * writes that parameter as {@code &%3Freject=true} (its query map holds the name "?reject"): both count.
     */
    private CompletableFuture<RestResponse> completeOrReject(RestRequest request) {
        boolean reject = request.query().containsKey("reject") || request.query().containsKey("?reject");
        return settle(request, reject ? Settlement.REJECT : Settlement.COMPLETE);
    }

    private CompletableFuture<RestResponse> abandon(RestRequest request) {
        return settle(request, Settlement.ABANDON);
    }

    private CompletableFuture<RestResponse> settle(RestRequest request, Settlement settlement) {
        DeviceId device = request.device().deviceId();
        return core.polls().settle(device, lockToken(request), settlement).thenApply(ok -> RestResponse.noContent());
    }

    /** The ETag as the SDKs send it back: without quotes (a quoted one is accepted too). */
    private static LockToken lockToken(RestRequest request) {
        String etag = request.pathParameter("etag").replace("\"", "");
        try {
            return LockToken.parse(etag);
        } catch (IllegalArgumentException e) {
            throw RestException.badRequest("'" + etag + "' is not a lock token");
        }
    }
}
