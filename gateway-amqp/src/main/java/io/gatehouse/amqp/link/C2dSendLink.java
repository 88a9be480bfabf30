package io.gatehouse.amqp.link;

import io.gatehouse.amqp.message.AmqpErrors;
import io.gatehouse.amqp.message.C2dRequestMapper;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.registry.AccessRight;
import java.util.concurrent.CompletableFuture;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.message.Message;

/**
 * A service's link to {@code /messages/devicebound}: each message is enqueued for the device its {@code to}
 * names and accepted once durable. Refusals are rejected with a condition the service SDK maps to its own
 * exceptions: {@code amqp:not-found} (device not found), {@code amqp:resource-limit-exceeded} (queue full,
 * {@code IotHubDeviceMaximumQueueDepthExceededException}), {@code amqp:link:message-size-exceeded},
 * {@code amqp:unauthorized-access}.
 */
public final class C2dSendLink extends InboundLink {

    public C2dSendLink(LinkContext ctx, Receiver receiver) {
        super(ctx, receiver, ctx.options().inboundWindow());
    }

    @Override
    public boolean needsService() {
        return true;
    }

    @Override
    protected CompletableFuture<?> process(Message message, int encodedSize) {
        if (ctx.credentials().service(AccessRight.SERVICE_CONNECT).isEmpty()) {
            ctx.refused("service", "C2D send", "no valid ServiceConnect token");
            return CompletableFuture.failedFuture(
                    new GatewayException(ErrorCode.UNAUTHORIZED, "the service token expired or lacks ServiceConnect"));
        }
        C2dRequestMapper.Addressed addressed;
        try {
            addressed = C2dRequestMapper.toRequest(message);
        } catch (GatewayException e) {
            ctx.refused("service", "C2D send", e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
        return ctx.core().c2d().send(addressed.device(), addressed.request()).whenComplete((id, failure) -> {
            if (failure != null) {
                ctx.execute(() -> ctx.refused("device " + addressed.device(), "C2D send", AmqpErrors.describe(failure)));
            }
        });
    }

    @Override
    protected void released() {
    }
}
