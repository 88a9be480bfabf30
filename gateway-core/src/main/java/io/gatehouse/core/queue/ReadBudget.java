package io.gatehouse.core.queue;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How much queued content may be on its way back from the store at once, shared by all the queues of a hub, in
 * two parts.
 * <ul>
 *   <li><b>Ahead</b>: messages read ahead of any lock, so that a read is under way before a receiver needs them.
 *       Without a bound, every receiver's read-ahead window filled at once when a fleet reconnected after an
 *       offline backlog, and the whole backlog came back into memory. Reading ahead never waits for it.</li>
 *   <li><b>For deliveries</b>: messages locked for a receiver whose content is still to be read. A share is held
 *       from the lock until the message is handed over (its content then leaves memory) or the lock goes, so it
 *       always comes back soon, whatever the receiver does. Without it, 10,000 devices reconnecting at once
 *       with 16 in flight each had 160,000 messages read and decoded at once. A queue that finds none left
 *       waits ({@link #whenFreeForDeliveries}) and is woken as shares come back.</li>
 * </ul>
 */
public final class ReadBudget {

    private final AtomicInteger ahead;
    private final AtomicInteger forDeliveries;
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    public ReadBudget(int aheadMessages, int deliveryMessages) {
        if (deliveryMessages < 1) {
            throw new IllegalArgumentException("deliveries need at least one read at a time");
        }
        this.ahead = new AtomicInteger(aheadMessages);
        this.forDeliveries = new AtomicInteger(deliveryMessages);
    }

    /** For a queue that shares with no other (the feedback queue): its own read-ahead window is the bound. */
    public static ReadBudget ofOneQueue() {
        return new ReadBudget(LifecycleQueue.READ_AHEAD, LifecycleQueue.READ_AHEAD);
    }

    /** Takes up to {@code wanted} messages' worth of reading ahead; returns how many it got (maybe none). Any thread. */
    int takeAhead(int wanted) {
        return take(ahead, wanted);
    }

    /** Returns one message's worth of reading ahead: its content was locked, dropped or ended. */
    void giveBackAhead() {
        ahead.incrementAndGet();
    }

    /** Takes one message's worth of reading for a delivery, if any is left. Any thread. */
    boolean takeForDelivery() {
        return take(forDeliveries, 1) == 1;
    }

    /** Takes up to {@code wanted} from {@code pool}; returns how many it got. */
    private static int take(AtomicInteger pool, int wanted) {
        while (true) {
            int now = pool.get();
            int granted = Math.min(now, wanted);
            if (granted <= 0 || pool.compareAndSet(now, now - granted)) {
                return Math.max(granted, 0);
            }
        }
    }

    /** Returns one message's worth of reading for a delivery, and wakes a queue that waits for it. */
    void giveBackForDelivery() {
        forDeliveries.incrementAndGet();
        wakeOneIfFree();
    }

    /**
     * Runs {@code wake} (once, on the thread that frees a share, or at once if one is free now) when a share for
     * deliveries may be free. A woken queue that leaves a share unused calls {@link #wakeOneIfFree}, so that
     * no other waits while shares are free.
     */
    void whenFreeForDeliveries(Runnable wake) {
        waiting.add(wake);
        wakeOneIfFree();
    }

    /** Wakes the longest waiting queue if a share for deliveries is free. */
    void wakeOneIfFree() {
        if (forDeliveries.get() > 0) {
            Runnable next = waiting.poll();
            if (next != null) {
                next.run();
            }
        }
    }

    /** What is left to read ahead; for tests and metrics. */
    public int availableAhead() {
        return ahead.get();
    }

    /** What is left to read for deliveries; for tests and metrics. */
    public int availableForDeliveries() {
        return forDeliveries.get();
    }
}
