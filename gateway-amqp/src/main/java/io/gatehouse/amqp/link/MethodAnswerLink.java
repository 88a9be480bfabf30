package io.gatehouse.amqp.link;

import io.gatehouse.amqp.message.DeviceMessages;
import io.gatehouse.amqp.message.DeviceMessages.MethodAnswer;
import io.gatehouse.amqp.message.MessageBodies;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.GatewayException;
import java.util.concurrent.CompletableFuture;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.message.Message;

/**
 * A device's direct-method answers ({@code /devices/{id}/methods/devicebound}, the device sends): each is handed to
 * the core by its correlation id and accepted; one that no invocation waits for is dropped by the core with a log
 * line, not refused (a late answer is not the device's fault). An answer without correlation id or status is
 * rejected.
 */
public final class MethodAnswerLink extends InboundLink {

    private static final int WINDOW = 16;

    private final DeviceId device;

    public MethodAnswerLink(LinkContext ctx, Receiver receiver, DeviceId device) {
        super(ctx, receiver, WINDOW);
        this.device = device;
    }

    @Override
    public DeviceId device() {
        return device;
    }

    @Override
    protected CompletableFuture<?> process(Message message, int encodedSize) {
        try {
            MethodAnswer answer = DeviceMessages.methodAnswer(message);
            ctx.touch(device);
            ctx.core().methods().respond(device, answer.requestId(), answer.status(), MessageBodies.bytes(message));
            return CompletableFuture.completedFuture(null);
        } catch (GatewayException e) {
            ctx.refused("device " + device, "method answer", e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    protected void released() {
    }
}
