package io.gatehouse.amqp.link;

import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.message.Message;

/**
 * The request side of a request/response node ({@code $cbs}, {@code $management}): each request is answered on
 * the node's reply link when the handler's answer is ready, and then accepted. Few requests may be outstanding (a
 * small credit window), so a peer that sends requests but never takes the replies stalls itself, not us.
 */
public final class RequestLink extends InboundLink {

    private static final int WINDOW = 16;

    private final String node;
    private final Function<Message, CompletableFuture<Message>> handler;

    public RequestLink(LinkContext ctx, Receiver receiver, String node, Function<Message, CompletableFuture<Message>> handler) {
        super(ctx, receiver, WINDOW);
        this.node = node;
        this.handler = handler;
    }

    @Override
    protected CompletableFuture<?> process(Message request, int encodedSize) {
        Properties properties = request.getProperties();
        String replyTo = properties == null ? null : properties.getReplyTo();
        ReplyLink replies = ctx.replyLink(node, replyTo);
        if (replies == null) {
            return CompletableFuture.failedFuture(new GatewayException(ErrorCode.PRECONDITION_FAILED,
                    "attach a receiver from " + node + " before sending requests to it"));
        }
        CompletableFuture<Message> reply = handler.apply(request);
        if (reply.isDone() && !reply.isCompletedExceptionally()) {
            replies.send(reply.join());
            return reply;
        }
        return reply.thenAccept(ready -> ctx.execute(() -> replies.send(ready)));
    }

    @Override
    protected void released() {
    }
}
