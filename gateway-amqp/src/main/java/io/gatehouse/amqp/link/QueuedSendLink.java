package io.gatehouse.amqp.link;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.message.Message;

/**
 * A link we send messages on that carry no state of ours (replies, twin answers and patches, method requests):
 * they wait here for link credit, go out with increasing delivery tags, and whatever the peer says about a delivery
 * settles it.
 */
abstract class QueuedSendLink extends OutboundLink {

    private final Deque<Message> waiting = new ArrayDeque<>();
    private long nextTag;

    QueuedSendLink(LinkContext ctx, Sender sender) {
        super(ctx, sender);
    }

    /** Queues {@code message} and sends what credit allows. */
    void enqueue(Message message) {
        waiting.add(message);
        pump();
    }

    int waitingCount() {
        return waiting.size();
    }

    @Override
    protected void pump() {
        while (!waiting.isEmpty() && canSend()) {
            byte[] tag = ByteBuffer.allocate(Long.BYTES).putLong(nextTag++).array();
            transfer(tag, waiting.poll(), 1024);
            sent();
        }
    }

    /** One message went out. */
    protected void sent() {
    }

    @Override
    public void onDelivery(Delivery delivery) {
        if (delivery.remotelySettled() || delivery.getRemoteState() != null) {
            delivery.settle();
        }
    }

    @Override
    protected void released() {
        waiting.clear();
    }
}
