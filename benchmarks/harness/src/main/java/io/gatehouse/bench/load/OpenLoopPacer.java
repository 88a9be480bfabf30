package io.gatehouse.bench.load;

import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop load: operation i is due at {@code start + i / rate}, whatever happened to earlier ones. The action
 * gets that intended time, and latency is measured from it, not from when the send actually happened: a stalled
 * system therefore shows its stall in the latencies instead of silently lowering the offered load (the
 * "coordinated omission" correction). When the pacer itself falls behind (a park lasts at least some tens of
 * microseconds) it sends the overdue operations at once.
 */
public final class OpenLoopPacer {

    @FunctionalInterface
    public interface Action {
        void send(long index, long intendedNanos) throws Exception;
    }

    private OpenLoopPacer() {
    }

    /** Issues operations at {@code ratePerSecond} for {@code durationNanos}; returns how many were issued. */
    public static long run(double ratePerSecond, long durationNanos, Action action) throws Exception {
        double interval = 1e9 / ratePerSecond;
        long start = System.nanoTime();
        long total = (long) Math.floor(durationNanos / interval);
        for (long i = 0; i < total; i++) {
            long intended = start + (long) (i * interval);
            // park, never spin: the generator has one core, and a spinning pacer would starve the client's I/O thread
            long wait;
            while ((wait = intended - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            action.send(i, intended);
        }
        return total;
    }
}
