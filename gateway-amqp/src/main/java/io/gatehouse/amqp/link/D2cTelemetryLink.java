package io.gatehouse.amqp.link;

import io.gatehouse.amqp.message.AmqpErrors;
import io.gatehouse.amqp.message.D2cMessageMapper;
import io.gatehouse.amqp.message.MessageBodies;
import io.gatehouse.core.auth.Principal.DevicePrincipal;
import io.gatehouse.core.events.EventSource;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.MessageProperties;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.message.Message;

/**
 * A device's telemetry link, target {@code /devices/{id}/messages/events} (a module's:
 * {@code /devices/{id}/modules/{moduleId}/messages/events}): each message is appended to the event stream and
 * accepted once durable; refused ones are rejected with the reason (too large, token expired, store failure).
 */
public final class D2cTelemetryLink extends InboundLink {

    private final DeviceId device;
    private final String moduleId;
    private final String who;
    /** The stamp of the principal last seen: rebuilt only when a renewed token brings a new principal. */
    private DevicePrincipal stampedPrincipal;
    private EventSource source;

    public D2cTelemetryLink(LinkContext ctx, Receiver receiver, DeviceId device) {
        this(ctx, receiver, device, null);
    }

    /** The telemetry link of a module ({@code moduleId} null: of the device). */
    public D2cTelemetryLink(LinkContext ctx, Receiver receiver, DeviceId device, String moduleId) {
        super(ctx, receiver, ctx.options().inboundWindow());
        this.device = device;
        this.moduleId = moduleId;
        this.who = moduleId == null ? "device " + device : "module " + device + "/" + moduleId;
    }

    @Override
    public DeviceId device() {
        return device;
    }

    @Override
    public String moduleId() {
        return moduleId;
    }

    @Override
    protected CompletableFuture<?> process(Message message, int encodedSize) {
        Optional<DevicePrincipal> principal = ctx.credentials().identity(device, moduleId);
        if (principal.isEmpty()) {
            ctx.refused(who, "telemetry", "no valid token");
            return CompletableFuture.failedFuture(
                    new GatewayException(ErrorCode.UNAUTHORIZED, "the device's token expired or was never presented"));
        }
        MessageProperties properties;
        byte[] body;
        try {
            properties = D2cMessageMapper.toProperties(message);
            body = MessageBodies.bytes(message);
        } catch (GatewayException e) {
            ctx.refused(who, "telemetry", e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
        ctx.touch(device, moduleId);
        if (principal.get() != stampedPrincipal) {
            stampedPrincipal = principal.get();
            source = EventSource.of(stampedPrincipal);
        }
        return ctx.core().events().append(source, properties, body)
                .whenComplete((ok, failure) -> {
                    if (failure != null) {
                        ctx.execute(() -> ctx.refused(who, "telemetry", AmqpErrors.describe(failure)));
                    }
                });
    }

    @Override
    protected void released() {
    }
}
