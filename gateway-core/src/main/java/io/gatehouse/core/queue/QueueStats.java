package io.gatehouse.core.queue;

/** A snapshot of one queue: messages waiting, messages locked, receivers attached. */
public record QueueStats(int enqueued, int locked, int receivers) {

    public static final QueueStats EMPTY = new QueueStats(0, 0, 0);

    public int depth() {
        return enqueued + locked;
    }
}
