package io.gatehouse.core.testing;

import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.DeliverySink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A sink that records what a queue pushed, for assertions; safe to use from any thread. */
public final class RecordingSink implements DeliverySink {

    private final BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
    private final BlockingQueue<LockToken> lost = new LinkedBlockingQueue<>();
    private final List<Delivery> history = new ArrayList<>();

    @Override
    public void deliver(Delivery delivery) {
        synchronized (history) {
            history.add(delivery);
        }
        deliveries.add(delivery);
    }

    @Override
    public void lockLost(LockToken lockToken) {
        lost.add(lockToken);
    }

    /** The next delivery not yet taken, or null when none arrived. */
    public Delivery poll() {
        return deliveries.poll();
    }

    /** Waits for the next delivery (threaded cores). */
    public Delivery await(Duration timeout) throws InterruptedException {
        Delivery d = deliveries.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (d == null) {
            throw new AssertionError("no delivery within " + timeout);
        }
        return d;
    }

    /** Every delivery not yet taken, in order. */
    public List<Delivery> drain() {
        List<Delivery> out = new ArrayList<>();
        deliveries.drainTo(out);
        return out;
    }

    public LockToken pollLost() {
        return lost.poll();
    }

    public List<LockToken> drainLost() {
        List<LockToken> out = new ArrayList<>();
        lost.drainTo(out);
        return out;
    }

    /** Every delivery ever made to this sink. */
    public List<Delivery> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }
}
