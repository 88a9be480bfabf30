package io.gatehouse.core.feedback;

import io.gatehouse.core.exec.Shard;
import io.gatehouse.core.exec.Timer;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.DeliverySink;
import io.gatehouse.core.queue.PolledInbox;
import io.gatehouse.core.queue.PolledInboxes.Settlement;
import io.gatehouse.core.queue.Receiver;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A feedback receiver on a node that shares its store with others. While this node owns the feedback queue it is a
 * receiver of the queue here; while another live node owns it, it takes messages from that node (up to {@link
 * #TAKES_IN_FLIGHT} takes at once within its credit, each followed at once by the next, or, when one found none
 * ready, again after {@link #IDLE_POLL_MILLIS}) and settles them there, so receivers on several nodes share the
 * queue as competing consumers. It turns into the one or the other as the queue moves: when its node takes the
 * queue over, or claims it because no live node owns it.
 *
 * <p>Everything runs on the feedback shard. A message taken from another node that loses its lock there (lock
 * timeout) is not reported through {@link DeliverySink#lockLost}: settling it fails with "lock lost".
 */
final class FeedbackReceiver implements Receiver {

    private static final Logger log = LoggerFactory.getLogger(FeedbackReceiver.class);
    /** How soon a receiver served by another node asks again when no message was ready. */
    static final long IDLE_POLL_MILLIS = 500;
    /** Takes under way at once: each is a round trip through PostgreSQL and a store write on the owner. */
    static final int TAKES_IN_FLIGHT = 16;

    private final FeedbackService feedback;
    private final FeedbackOwner owner;
    private final Shard shard;
    private final DeliverySink sink;
    // shard-confined
    private int credit;
    private Receiver local;
    /** Locks held on the owning node for this receiver. */
    private final Set<LockToken> heldThere = new HashSet<>();
    private int taking;
    private Timer nextTake;
    private boolean closed;

    FeedbackReceiver(FeedbackService feedback, FeedbackOwner owner, Shard shard, DeliverySink sink) {
        this.feedback = feedback;
        this.owner = owner;
        this.shard = shard;
        this.sink = sink;
    }

    // ---------------------------------------------------------------- the feedback service's (shard thread)

    /**
     * This node owns the queue now: receive it here, with the credit left. Locks held on the node that owned it went
     * with the queue (its messages are offered again here).
     */
    void receiveHere() {
        if (closed || local != null) {
            return;
        }
        cancelNextTake();
        heldThere.clear();
        local = feedback.openLocalReceiver(new DeliverySink() {
            @Override
            public void deliver(Delivery delivery) {
                credit--; // the queue calls on the feedback shard
                sink.deliver(delivery);
            }

            @Override
            public void lockLost(LockToken lockToken) {
                sink.lockLost(lockToken);
            }
        });
        local.setCredit(Math.max(credit, 0));
    }

    /** Another node owns the queue now (the local receiver closed with it): take from that node. */
    void receiveThere() {
        local = null;
        takeIfDue();
    }

    // ---------------------------------------------------------------- Receiver (any thread)

    @Override
    public void addCredit(int more) {
        shard.execute(() -> {
            credit += more;
            if (local != null) {
                local.addCredit(more);
            } else {
                takeIfDue();
            }
        });
    }

    @Override
    public void setCredit(int credit) {
        shard.execute(() -> {
            this.credit = credit;
            if (local != null) {
                local.setCredit(credit);
            } else {
                takeIfDue();
            }
        });
    }

    @Override
    public CompletableFuture<Boolean> pollOne() {
        return shard.call(() -> {
            if (local != null) {
                return local.pollOne();
            }
            credit = 0;
            return owner.take().thenApplyAsync(taken -> {
                taken.ifPresent(this::deliverTaken);
                return taken.isPresent();
            }, shard);
        });
    }

    @Override
    public CompletableFuture<Void> complete(LockToken token) {
        return settle(token, Settlement.COMPLETE);
    }

    @Override
    public CompletableFuture<Void> abandon(LockToken token) {
        return settle(token, Settlement.ABANDON);
    }

    @Override
    public CompletableFuture<Void> reject(LockToken token) {
        return settle(token, Settlement.REJECT);
    }

    @Override
    public void close() {
        shard.execute(() -> {
            if (closed) {
                return;
            }
            closed = true;
            cancelNextTake();
            feedback.receiverClosed(this);
            if (local != null) {
                local.close();
            }
            heldThere.forEach(token -> owner.settle(token, Settlement.ABANDON));
            heldThere.clear();
        });
    }

    // ---------------------------------------------------------------- taking from the owner (shard thread)

    private CompletableFuture<Void> settle(LockToken token, Settlement settlement) {
        return shard.call(() -> {
            if (heldThere.remove(token)) {
                return owner.settle(token, settlement);
            }
            if (local != null) {
                return settlement.apply(local, token);
            }
            return PolledInbox.lockLost("the feedback queue", token);
        });
    }

    private void takeIfDue() {
        while (!closed && local == null && nextTake == null && taking < Math.min(credit, TAKES_IN_FLIGHT)) {
            take();
        }
    }

    private void take() {
        taking++;
        owner.take().whenCompleteAsync((taken, failure) -> {
            taking--;
            if (failure != null) {
                log.debug("A feedback receiver could not take from the node owning the feedback queue: {}", failure.toString());
            }
            if (closed) {
                // taken as the receiver closed: give it back
                Optional.ofNullable(taken).flatMap(t -> t).ifPresent(d -> owner.settle(d.lockToken(), Settlement.ABANDON));
                return;
            }
            if (taken != null && taken.isPresent()) {
                deliverTaken(taken.get());
            } else if (local == null && nextTake == null) {
                // none ready (or the owner could not be reached): ask again a little later
                nextTake = shard.schedule(shard.clock().millis() + IDLE_POLL_MILLIS, () -> {
                    nextTake = null;
                    takeIfDue();
                });
            }
            takeIfDue();
        }, shard);
    }

    private void deliverTaken(Delivery delivery) {
        credit--;
        heldThere.add(delivery.lockToken());
        sink.deliver(delivery);
    }

    private void cancelNextTake() {
        if (nextTake != null) {
            nextTake.cancel();
            nextTake = null;
        }
    }
}
