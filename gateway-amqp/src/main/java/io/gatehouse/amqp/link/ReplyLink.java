package io.gatehouse.amqp.link;

import org.apache.qpid.proton.amqp.transport.Source;
import org.apache.qpid.proton.amqp.transport.Target;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.message.Message;

/**
 * The response side of a request/response node: replies wait here for link credit. At most a request window's
 * worth can wait (the request link grants no more credit until replies are out).
 */
public final class ReplyLink extends QueuedSendLink {

    private final String node;

    public ReplyLink(LinkContext ctx, Sender sender, String node) {
        super(ctx, sender);
        this.node = node;
    }

    public String node() {
        return node;
    }

    /** The address the peer receives replies at (its target), matched against requests' {@code reply-to}. */
    public String replyAddress() {
        Target target = sender.getRemoteTarget();
        return target == null ? null : target.getAddress();
    }

    /** The node this link was attached from (its source). */
    public String sourceAddress() {
        Source source = sender.getRemoteSource();
        return source == null ? null : source.getAddress();
    }

    void send(Message reply) {
        enqueue(reply);
    }
}
