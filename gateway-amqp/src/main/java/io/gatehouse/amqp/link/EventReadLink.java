package io.gatehouse.amqp.link;

import io.gatehouse.amqp.eventhub.EventMessageEncoder;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventReader;
import io.gatehouse.core.events.EventSink;
import io.gatehouse.core.events.StartPosition;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.Sender;

/**
 * A back-end reader of one partition of the D2C event stream (the Event Hubs address form
 * {@code {entity}/ConsumerGroups/{group}/Partitions/{n}}): stored events in order from the start position of the
 * link's selector filter, as link credit allows. The stream has no per-event lifecycle: whatever the peer answers
 * settles the transfer; readers resume from positions they keep themselves.
 */
public final class EventReadLink extends OutboundLink implements EventSink {

    private final String consumerGroup;
    private final int partition;
    private final StartPosition start;
    private final int window;
    private final Deque<D2cEvent> waiting = new ArrayDeque<>();
    private EventReader reader;
    private int granted;

    public EventReadLink(LinkContext ctx, Sender sender, String consumerGroup, int partition, StartPosition start) {
        super(ctx, sender);
        this.consumerGroup = consumerGroup;
        this.partition = partition;
        this.start = start;
        this.window = ctx.options().outboundWindow();
    }

    @Override
    public boolean needsService() {
        return true;
    }

    @Override
    protected void started() {
        reader = ctx.core().events().openReader(consumerGroup, partition, start, this);
        pump();
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
            transfer(tag, EventMessageEncoder.encode(event), EventMessageEncoder.sizeHint(event));
        }
        if (sender.getDrain() && waiting.isEmpty()) {
            // a reader's credit cannot be taken back; events it still pushes wait here for the next credit
            sender.drained();
            return;
        }
        if (!ctx.isWritable()) {
            return;
        }
        int wanted = creditToGrant(window, granted, waiting.size());
        if (wanted > 0) {
            granted += wanted;
            reader.addCredit(wanted);
        }
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
