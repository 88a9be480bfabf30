package io.gatehouse.amqp.link;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.amqp.message.DeviceMessages;
import io.gatehouse.amqp.message.DeviceMessages.TwinRequest;
import io.gatehouse.amqp.message.MessageBodies;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.twin.Twin;
import io.gatehouse.core.twin.TwinJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.message.Message;

/**
 * A device's twin requests ({@code /devices/{id}/twin}, the device sends): GET answers the twin's properties,
 * PATCH {@code /properties/reported} merges reported properties and answers 204 with the new version once durable,
 * PUT {@code /notifications/twin/properties/desired} starts desired-property patches on the device's twin receiver
 * link (DELETE stops them). Answers go out on that receiver link with the request's correlation id; a refused
 * request is answered with IoT Hub's status (400, 404, 413, ...) and still accepted, since the answer carries the
 * outcome. A request before the receiver link is attached is rejected.
 */
public final class TwinRequestLink extends InboundLink {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WINDOW = 16;

    private final DeviceId device;

    public TwinRequestLink(LinkContext ctx, Receiver receiver, DeviceId device) {
        super(ctx, receiver, WINDOW);
        this.device = device;
    }

    @Override
    public DeviceId device() {
        return device;
    }

    @Override
    protected CompletableFuture<?> process(Message message, int encodedSize) {
        DeviceSendLink replies = ctx.deviceSendLink(device, "twin");
        if (replies == null) {
            return CompletableFuture.failedFuture(new GatewayException(ErrorCode.PRECONDITION_FAILED,
                    "attach the twin receiver link of device " + device + " before sending twin requests"));
        }
        ctx.touch(device);
        TwinRequest request = DeviceMessages.twinRequest(message);
        String operation = request.operation() == null ? "" : request.operation();
        String resource = request.resource() == null ? "" : request.resource();
        if (operation.equals(DeviceMessages.GET)) {
            Twin twin = ctx.core().twins().get(device).orElse(null);
            if (twin == null) {
                answer(replies, request, ErrorCode.DEVICE_NOT_FOUND.status(), null, new byte[0]);
            } else {
                answer(replies, request, 200, null, TwinJson.device(twin).toString().getBytes(StandardCharsets.UTF_8));
            }
            return CompletableFuture.completedFuture(null);
        }
        if (operation.equals(DeviceMessages.PATCH) && resource.equals(DeviceMessages.REPORTED)) {
            return patchReported(replies, request, message);
        }
        if (resource.equals(DeviceMessages.DESIRED_NOTIFICATIONS) && (operation.equals(DeviceMessages.PUT)
                || operation.equals(DeviceMessages.DELETE))) {
            if (operation.equals(DeviceMessages.PUT)) {
                replies.holdSubscription(ctx.core().twins().subscribeDesired(device,
                        patch -> ctx.execute(() -> replies.send(DeviceMessages.desiredPatch(patch)))));
            } else {
                replies.holdSubscription(() -> { });
            }
            answer(replies, request, 200, null, new byte[0]);
            return CompletableFuture.completedFuture(null);
        }
        ctx.refused("device " + device, "twin request", "unknown operation '" + operation + " " + resource + "'");
        answer(replies, request, 400, null, new byte[0]);
        return CompletableFuture.completedFuture(null);
    }

    private CompletableFuture<?> patchReported(DeviceSendLink replies, TwinRequest request, Message message) {
        JsonNode patch;
        try {
            patch = JSON.readTree(MessageBodies.bytes(message));
        } catch (IOException | GatewayException e) {
            patch = null;
        }
        if (patch == null || !patch.isObject()) {
            ctx.refused("device " + device, "reported properties", "the body is not a JSON object");
            answer(replies, request, 400, null, new byte[0]);
            return CompletableFuture.completedFuture(null);
        }
        return ctx.core().twins().patchReported(device, patch).handle((twin, failure) -> {
            ctx.execute(() -> {
                if (failure != null) {
                    ctx.refused("device " + device, "reported properties", failure.getMessage());
                    answer(replies, request, ErrorCode.statusOf(failure), null, new byte[0]);
                } else {
                    answer(replies, request, 204, twin.reported().version(), new byte[0]);
                }
            });
            return null;
        });
    }

    private static void answer(DeviceSendLink replies, TwinRequest request, int status, Long version, byte[] body) {
        replies.send(DeviceMessages.twinResponse(request.correlationId(), status, version, body));
    }

    @Override
    protected void released() {
    }
}
