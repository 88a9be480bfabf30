package io.gatehouse.amqp.link;

import io.gatehouse.amqp.message.AmqpErrors;
import io.gatehouse.amqp.message.QueueMessageEncoder;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.queue.DeliverySink;
import io.gatehouse.core.queue.Receiver;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.qpid.proton.amqp.messaging.Released;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.Sender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a lifecycle queue to the peer: a device's C2D queue on {@code /devices/{id}/messages/devicebound}, or
 * the feedback queue on {@code /messages/servicebound/feedback}. The core's receiver gets credit only as the
 * link's credit allows (and never more than the outbound window), each transfer's delivery tag is the lock
 * token's 16 bytes, and the peer's disposition settles the lock (see {@link DispositionMapping}). A lock the core
 * takes back (timeout, expiry, purge) is settled locally, and a later disposition for it is ignored. Detaching
 * the link, or losing the connection, closes the core receiver, which abandons its locks at once.
 */
public final class QueueDeliveryLink extends OutboundLink implements DeliverySink {

    private static final Logger log = LoggerFactory.getLogger(QueueDeliveryLink.class);

    private final DeviceId device;
    private final boolean withAck;
    private final Function<DeliverySink, Receiver> opener;
    private final int window;
    private final Deque<io.gatehouse.core.queue.Delivery> waiting = new ArrayDeque<>();
    private final Map<LockToken, Delivery> unsettled = new HashMap<>();
    private Receiver queue;
    /** Credit given to the core and not yet used by a delivery. */
    private int granted;

    /**
     * @param device  the device whose queue this is (null for feedback)
     * @param withAck whether transfers carry {@code iothub-ack} (C2D messages do, feedback does not)
     * @param opener  opens the core receiver with this link as its sink
     */
    public QueueDeliveryLink(LinkContext ctx, Sender sender, DeviceId device, boolean withAck,
                             Function<DeliverySink, Receiver> opener) {
        super(ctx, sender);
        this.device = device;
        this.withAck = withAck;
        this.opener = opener;
        this.window = ctx.options().outboundWindow();
    }

    @Override
    public DeviceId device() {
        return device;
    }

    @Override
    public boolean needsService() {
        return device == null;
    }

    @Override
    protected void started() {
        try {
            queue = opener.apply(this);
        } catch (GatewayException e) {
            detach(AmqpErrors.fromFailure(e));
            return;
        }
        pump();
    }

    // ------------------------------------------------------------ from the core (shard threads)

    @Override
    public void deliver(io.gatehouse.core.queue.Delivery delivery) {
        ctx.execute(() -> {
            granted = Math.max(0, granted - 1);
            if (isClosed()) {
                return; // the receiver is closed: the core abandons this lock itself
            }
            waiting.add(delivery);
            pump();
        });
    }

    @Override
    public void lockLost(LockToken token) {
        ctx.execute(() -> {
            for (Iterator<io.gatehouse.core.queue.Delivery> it = waiting.iterator(); it.hasNext(); ) {
                if (it.next().lockToken().equals(token)) {
                    it.remove();
                    pump();
                    return;
                }
            }
            Delivery sent = unsettled.remove(token);
            if (sent != null && !isClosed()) {
                // proton-j writes a sender's disposition only with a state: released says "no longer yours"
                sent.disposition(Released.getInstance());
                sent.settle();
            }
        });
    }

    // ------------------------------------------------------------ event loop

    @Override
    protected void pump() {
        if (isClosed() || queue == null) {
            return;
        }
        while (!waiting.isEmpty() && canSend()) {
            send(waiting.poll());
        }
        if (sender.getDrain() && waiting.isEmpty()) {
            // nothing more to give now: take back the core's credit and report the drain
            queue.setCredit(0);
            granted = 0;
            sender.drained();
            return;
        }
        if (!ctx.isWritable()) {
            return;
        }
        int wanted = creditToGrant(window, granted, waiting.size());
        if (wanted > 0) {
            granted += wanted;
            queue.addCredit(wanted);
        }
    }

    private void send(io.gatehouse.core.queue.Delivery delivery) {
        Delivery transfer = transfer(delivery.lockToken().toBytes(), QueueMessageEncoder.encode(delivery, withAck),
                QueueMessageEncoder.sizeHint(delivery));
        if (device != null) {
            ctx.touch(device);
        }
        if (presettled) {
            // at most once: the peer will not answer, so the message is done as soon as it is written
            settleInCore(DispositionMapping.COMPLETE, delivery.lockToken());
        } else {
            transfer.setContext(delivery.lockToken());
            unsettled.put(delivery.lockToken(), transfer);
        }
    }

    @Override
    public void onDelivery(Delivery transfer) {
        LockToken token = (LockToken) transfer.getContext();
        if (token == null || unsettled.get(token) != transfer) {
            // settled locally already (lock lost): the peer's word no longer counts
            if (transfer.remotelySettled()) {
                transfer.settle();
            }
            return;
        }
        DispositionMapping outcome = DispositionMapping.of(transfer.getRemoteState(), transfer.remotelySettled());
        if (outcome == DispositionMapping.NONE) {
            return;
        }
        unsettled.remove(token);
        transfer.settle();
        settleInCore(outcome, token);
        if (device != null) {
            ctx.touch(device);
        }
    }

    private void settleInCore(DispositionMapping outcome, LockToken token) {
        CompletableFuture<Void> done = switch (outcome) {
            case COMPLETE -> queue.complete(token);
            case REJECT -> queue.reject(token);
            default -> queue.abandon(token);
        };
        done.whenComplete((ok, failure) -> {
            if (failure == null) {
                return;
            }
            GatewayException g = GatewayException.unwrap(failure);
            if (g != null && g.code() == ErrorCode.LOCK_LOST) {
                log.debug("{} of {} ignored: {}", outcome, token, g.getMessage());
            } else {
                ctx.execute(() -> ctx.refused(device == null ? "feedback" : "device " + device, outcome.name().toLowerCase(),
                        AmqpErrors.describe(failure)));
            }
        });
    }

    @Override
    protected void released() {
        if (queue != null) {
            queue.close();
        }
        waiting.clear();
        unsettled.clear();
    }
}
