package io.gatehouse.core.queue;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Running totals of lifecycle events of one kind of queue (C2D or feedback). Thread-safe. */
public final class LifecycleCounters {

    private final LongAdder enqueued = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder abandoned = new LongAdder();
    private final LongAdder lockTimeouts = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final Map<Outcome, LongAdder> ended = new EnumMap<>(Outcome.class);

    public LifecycleCounters() {
        for (Outcome outcome : Outcome.values()) {
            ended.put(outcome, new LongAdder());
        }
    }

    public void enqueued() {
        enqueued.increment();
    }

    public void delivered() {
        delivered.increment();
    }

    public void abandoned() {
        abandoned.increment();
    }

    public void lockTimedOut() {
        lockTimeouts.increment();
    }

    public void refused() {
        refused.increment();
    }

    public void ended(Outcome outcome) {
        ended.get(outcome).increment();
    }

    public Snapshot snapshot() {
        Map<Outcome, Long> endedTotals = new EnumMap<>(Outcome.class);
        ended.forEach((outcome, adder) -> endedTotals.put(outcome, adder.sum()));
        return new Snapshot(enqueued.sum(), delivered.sum(), abandoned.sum(), lockTimeouts.sum(), refused.sum(),
                Map.copyOf(endedTotals));
    }

    /** The totals at one moment. {@code refused} counts sends that were refused (queue full, ...). */
    public record Snapshot(long enqueued, long delivered, long abandoned, long lockTimeouts, long refused,
                           Map<Outcome, Long> ended) {

        public long ended(Outcome outcome) {
            return ended.getOrDefault(outcome, 0L);
        }

        public long deadLettered() {
            return ended.entrySet().stream().filter(e -> e.getKey().isDeadLetter()).mapToLong(Map.Entry::getValue).sum();
        }
    }
}
