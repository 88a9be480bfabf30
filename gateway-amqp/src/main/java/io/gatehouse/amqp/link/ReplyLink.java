package io.gatehouse.amqp.link;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.qpid.proton.amqp.transport.Source;
import org.apache.qpid.proton.amqp.transport.Target;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.message.Message;

/**
 * The response side of a request/response node: replies wait here for link credit. At most a request window's
 * worth can wait (the request link grants no more credit until replies are out).
 */
public final class ReplyLink extends OutboundLink {

    private final String node;
    private final Deque<Message> waiting = new ArrayDeque<>();
    private long nextTag;

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
        waiting.add(reply);
        pump();
    }

    @Override
    protected void pump() {
        while (!waiting.isEmpty() && canSend()) {
            byte[] tag = ByteBuffer.allocate(Long.BYTES).putLong(nextTag++).array();
            transfer(tag, waiting.poll(), 512);
        }
    }

    @Override
    public void onDelivery(Delivery delivery) {
        // replies carry no state of ours: whatever the peer says, the delivery is done
        if (delivery.remotelySettled() || delivery.getRemoteState() != null) {
            delivery.settle();
        }
    }

    @Override
    protected void released() {
        waiting.clear();
    }
}
