package io.gatehouse.amqp.link;

import io.gatehouse.amqp.eventhub.EventMessageEncoder;
import io.gatehouse.amqp.eventhub.PartitionReceiverRequest;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventReader;
import io.gatehouse.core.events.EventSink;
import io.gatehouse.core.events.OwnerLevelConflictException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.transport.ErrorCondition;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.message.Message;

/**
 * A back-end reader of one partition of the D2C event stream (the Event Hubs address form
 * {@code {entity}/ConsumerGroups/{group}/Partitions/{n}}): stored events in order from the start position of the
 * link's selector filter, as link credit allows. The stream has no per-event lifecycle: whatever the peer answers
 * settles the transfer; readers resume from positions they keep themselves. A receiver with an owner level ("epoch")
 * takes the partition of its consumer group from lower levels; a receiver that loses it, or may not have it, is
 * detached with {@code amqp:link:stolen}, the condition both Event Hubs SDKs turn into their "receiver
 * disconnected" error.
 */
public final class EventReadLink extends OutboundLink implements EventSink {

    /** What Event Hubs detaches a receiver with when another one owns its partition (SDKs: ReceiverDisconnected). */
    public static final Symbol RECEIVER_DISCONNECTED = Symbol.valueOf("amqp:link:stolen");

    private final PartitionReceiverRequest request;
    private final int window;
    private final Deque<D2cEvent> waiting = new ArrayDeque<>();
    private EventReader reader;
    private int granted;

    public EventReadLink(LinkContext ctx, Sender sender, PartitionReceiverRequest request) {
        super(ctx, sender);
        this.request = request;
        this.window = ctx.options().outboundWindow();
        Symbol capability = PartitionReceiverRequest.runtimeMetricCapability(sender);
        if (capability != null) {
            sender.setOfferedCapabilities(new Symbol[] {capability});
        }
    }

    @Override
    public boolean needsService() {
        return true;
    }

    /** Takes the partition before answering the attach, so a receiver that may not have it is refused outright. */
    @Override
    public void attach() {
        try {
            reader = ctx.core().events().openReader(request.consumerGroup(), request.partition(), request.start(),
                    request.ownerLevel(), this);
        } catch (OwnerLevelConflictException e) {
            ctx.refused("service", "attach of a partition " + request.partition() + " receiver", e.getMessage());
            // no source on our side: the peer learns that nothing was attached
            sender.setSource(null);
            sender.setTarget(sender.getRemoteTarget());
            sender.open();
            detach(new ErrorCondition(RECEIVER_DISCONNECTED, e.getMessage()));
            return;
        }
        super.attach();
    }

    @Override
    protected void started() {
        pump();
    }

    @Override
    public void onTakenOver(String reason) {
        ctx.execute(() -> {
            if (!isClosed()) {
                detach(new ErrorCondition(RECEIVER_DISCONNECTED, reason));
            }
        });
    }

    @Override
    public void onEvent(D2cEvent event) {
        ctx.execute(() -> {
            granted = Math.max(0, granted - 1);
            if (!isClosed()) {
                waiting.add(event);
                pump();
            }
        });
    }

    @Override
    protected void pump() {
        if (isClosed() || reader == null) {
            return;
        }
        while (!waiting.isEmpty() && canSend()) {
            D2cEvent event = waiting.poll();
            byte[] tag = ByteBuffer.allocate(Long.BYTES).putLong(event.sequenceNumber()).array();
            transfer(tag, encode(event), EventMessageEncoder.sizeHint(event));
        }
        if (sender.getDrain() && waiting.isEmpty()) {
            // a reader's credit cannot be taken back; events it still pushes wait here for the next credit
            sender.drained();
            return;
        }
        if (!ctx.isWritable()) {
            return;
        }
        int target = Math.min(sender.getCredit(), window);
        int wanted = creditToGrant(window, granted, waiting.size());
        // top up in halves: the Event Hubs SDKs return credit one event at a time, and a core read per event costs
        if (wanted > 0 && wanted * 2 >= target) {
            granted += wanted;
            reader.addCredit(wanted);
        }
    }

    private Message encode(D2cEvent event) {
        Message message = EventMessageEncoder.encode(event);
        if (request.trackLastEnqueued()) {
            EventMessageEncoder.addLastEnqueued(message, ctx.core().events().partitionInfo(request.partition()),
                    Instant.ofEpochMilli(ctx.core().clock().millis()));
        }
        return message;
    }

    @Override
    public void onDelivery(Delivery delivery) {
        if (delivery.remotelySettled() || delivery.getRemoteState() != null) {
            delivery.settle();
        }
    }

    @Override
    protected void released() {
        if (reader != null) {
            reader.close();
        }
        waiting.clear();
    }
}
