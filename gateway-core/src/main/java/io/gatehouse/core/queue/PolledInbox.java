package io.gatehouse.core.queue;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.LockToken;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A queue as a polling client sees it: one device's C2D queue for an HTTPS device, the feedback queue for a feedback
 * receiver on another node. Polls have no connection to hold a lock, so the inbox
 * holds it: a GET takes one message through a receiver ({@link Receiver#pollOne()}), and that receiver stays open
 * while any message it delivered is locked, because closing it would abandon them. Once nothing is locked,
 * parked or being polled, the receiver is closed and the inbox retires, so an idle device costs nothing.
 *
 * <p>A poll gives up (503) only when the store is too slow to count the delivery. If that leaves the inbox idle,
 * it retires and the core takes the uncounted lock back. If other polls keep the inbox open, the late delivery is
 * parked and is the answer to the next GET; the lock timeout still runs for it, as for a message a device
 * received and forgot.
 */
public final class PolledInbox implements DeliverySink {

    /** A delivery follows a successful poll within a store write; this only bounds a failing store. */
    public static final Duration DELIVERY_WAIT = Duration.ofSeconds(10);

    /** The queue, as errors name it ("device d1", "the feedback queue"). */
    private final String queue;
    private final Function<DeliverySink, Receiver> opener;
    private final Consumer<PolledInbox> retire;
    private final Duration deliveryWait;
    private final Set<LockToken> held = new HashSet<>();
    private final Deque<Delivery> parked = new ArrayDeque<>();
    private final Deque<CompletableFuture<Delivery>> waiting = new ArrayDeque<>();
    private Receiver receiver;
    private int polls;
    private boolean retired;

    /**
     * An inbox of the queue {@code opener} opens a receiver of; {@code retire} is told when it retires (idle): later
     * polls need a fresh one.
     */
    public PolledInbox(String queue, Function<DeliverySink, Receiver> opener, Consumer<PolledInbox> retire,
                       Duration deliveryWait) {
        this.queue = queue;
        this.opener = opener;
        this.retire = retire;
        this.deliveryWait = deliveryWait;
    }

    /** One device's C2D queue. */
    static PolledInbox ofDevice(DeviceId device, CloudToDevice c2d, Consumer<PolledInbox> retire, Duration deliveryWait) {
        return new PolledInbox("device " + device, sink -> c2d.openReceiver(device, sink), retire, deliveryWait);
    }

    /**
     * Takes one message under lock, or empty when none is ready now. Completes with null (not empty) when
     * this inbox retired before it could start: the caller asks a fresh one.
     */
    public CompletableFuture<Optional<Delivery>> take() {
        Receiver poller;
        synchronized (this) {
            if (retired) {
                return CompletableFuture.completedFuture(null);
            }
            Delivery ready = parked.poll();
            if (ready != null) {
                return CompletableFuture.completedFuture(Optional.of(ready));
            }
            if (receiver == null) {
                receiver = opener.apply(this);
            }
            poller = receiver;
            polls++;
        }
        return poller.pollOne()
                .thenCompose(locked -> locked ? awaitDelivery().thenApply(Optional::of)
                        : CompletableFuture.completedFuture(Optional.<Delivery>empty()))
                .whenComplete((ok, failure) -> {
                    synchronized (this) {
                        polls--;
                    }
                    releaseIfIdle();
                });
    }

    private CompletableFuture<Delivery> awaitDelivery() {
        CompletableFuture<Delivery> delivery = new CompletableFuture<>();
        synchronized (this) {
            Delivery ready = parked.poll();
            if (ready != null) {
                return CompletableFuture.completedFuture(ready);
            }
            waiting.add(delivery);
        }
        return delivery.orTimeout(deliveryWait.toMillis(), TimeUnit.MILLISECONDS).handle((ready, failure) -> {
            if (failure == null) {
                return ready;
            }
            synchronized (this) {
                waiting.remove(delivery);
            }
            // the store is too slow to count the delivery: the device retries (503 is retryable in the SDKs)
            throw new GatewayException(ErrorCode.SERVER_BUSY, "the message of " + queue + " could not be locked in time");
        });
    }

    /** Completes, rejects or abandons a message this inbox holds; LOCK_LOST for any other token. */
    public CompletableFuture<Void> settle(LockToken token, PolledInboxes.Settlement settlement) {
        Receiver holder;
        synchronized (this) {
            if (!held.contains(token) || parked.stream().anyMatch(d -> d.lockToken().equals(token))) {
                return lockLost(queue, token);
            }
            holder = receiver;
        }
        return settlement.apply(holder, token).whenComplete((ok, failure) -> forget(token));
    }

    public static CompletableFuture<Void> lockLost(String queue, LockToken token) {
        return CompletableFuture.failedFuture(new GatewayException(ErrorCode.LOCK_LOST,
                "no message of " + queue + " is locked under " + token));
    }

    @Override
    public void deliver(Delivery delivery) {
        CompletableFuture<Delivery> poll;
        synchronized (this) {
            held.add(delivery.lockToken());
            poll = waiting.poll();
            if (poll == null) {
                parked.add(delivery);
                return;
            }
        }
        if (!poll.complete(delivery)) {
            // the poll timed out as the delivery came: keep it for the next GET
            synchronized (this) {
                parked.add(delivery);
            }
        }
    }

    @Override
    public void lockLost(LockToken lockToken) {
        synchronized (this) {
            parked.removeIf(d -> d.lockToken().equals(lockToken));
        }
        forget(lockToken);
    }

    private void forget(LockToken token) {
        synchronized (this) {
            held.remove(token);
        }
        releaseIfIdle();
    }

    private void releaseIfIdle() {
        Receiver idle;
        synchronized (this) {
            if (retired || polls > 0 || !held.isEmpty() || !parked.isEmpty() || !waiting.isEmpty()) {
                return;
            }
            retired = true;
            idle = receiver;
            receiver = null;
        }
        retire.accept(this);
        if (idle != null) {
            idle.close();
        }
    }

    /** For tests and metrics: whether this inbox still holds a receiver. */
    synchronized boolean isOpen() {
        return receiver != null;
    }
}
