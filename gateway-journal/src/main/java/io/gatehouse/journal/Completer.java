package io.gatehouse.journal;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Completes the futures of finished passes, in pass order, on its own thread: the callers' callbacks run
 * here while the appender is already writing and forcing the next pass. When it has nothing outstanding,
 * the appender completes small passes itself (no hand-off, lower latency; the order is kept either way).
 */
final class Completer {

    private final ConcurrentLinkedQueue<List<PendingOp>> passes = new ConcurrentLinkedQueue<>();
    /** Passes handed over and not yet completed. */
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final Thread thread;
    private volatile boolean stopping;

    Completer(String name) {
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** True when every pass handed over is completed: the caller may complete the next one inline. */
    boolean isIdle() {
        return outstanding.get() == 0;
    }

    void post(List<PendingOp> ops) {
        outstanding.incrementAndGet();
        passes.add(ops);
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            LockSupport.unpark(thread);
        }
    }

    /** Completes everything handed over, then stops. */
    void stop() {
        stopping = true;
        LockSupport.unpark(thread);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (true) {
            List<PendingOp> ops = passes.poll();
            if (ops != null) {
                for (int i = 0, n = ops.size(); i < n; i++) {
                    ops.get(i).signal();
                }
                outstanding.decrementAndGet();
                continue;
            }
            if (stopping) {
                if (passes.isEmpty()) {
                    return;
                }
                continue;
            }
            sleeping.set(true);
            if (passes.isEmpty() && !stopping) {
                LockSupport.park(this);
            }
            sleeping.set(false);
        }
    }
}
