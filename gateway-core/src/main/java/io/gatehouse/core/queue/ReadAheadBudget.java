package io.gatehouse.core.queue;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many queued messages may be read back from the store ahead of their delivery, shared by all the queues
 * of a hub. Without it, every receiver's read-ahead window filled at once when a fleet reconnected after an
 * offline backlog, and the whole backlog came back into memory. Messages a receiver has locked are read
 * outside the budget: delivery never waits for it, only reading ahead does.
 */
public final class ReadAheadBudget {

    private final AtomicInteger available;

    public ReadAheadBudget(int messages) {
        this.available = new AtomicInteger(messages);
    }

    /** For a queue that shares with no other (the feedback queue): its own read-ahead window is the bound. */
    public static ReadAheadBudget ofOneQueue() {
        return new ReadAheadBudget(LifecycleQueue.READ_AHEAD);
    }

    /** Takes up to {@code wanted} messages' worth; returns how many it got (maybe none). Any thread. */
    int take(int wanted) {
        while (true) {
            int now = available.get();
            int granted = Math.min(now, wanted);
            if (granted <= 0 || available.compareAndSet(now, now - granted)) {
                return Math.max(granted, 0);
            }
        }
    }

    /** Returns one message's worth: its content was delivered, dropped or ended. */
    void giveBack() {
        available.incrementAndGet();
    }

    /** What is left to take; for tests and metrics. */
    public int available() {
        return available.get();
    }
}
