package io.gatehouse.core.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.function.LongUnaryOperator;

/**
 * What an in-process benchmark reads about the gateway's own threads (those named "gatehouse..."): counters
 * summed over the live ones, to be read before and after a phase.
 */
public final class GatewayThreads {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private GatewayThreads() {
    }

    /** Bytes of heap the gateway's threads have allocated so far. */
    public static long allocatedBytes() {
        return sum(THREADS::getThreadAllocatedBytes);
    }

    /** CPU time the gateway's threads have used so far: event loops, core shards, store. */
    public static long cpuNanos() {
        return sum(THREADS::getThreadCpuTime);
    }

    private static long sum(LongUnaryOperator perThread) {
        long total = 0;
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("gatehouse")) {
                long value = perThread.applyAsLong(info.getThreadId());
                if (value > 0) { // -1: the thread has ended, or the measurement is off
                    total += value;
                }
            }
        }
        return total;
    }
}
