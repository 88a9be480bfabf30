package io.gatehouse.core.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Lets a thread that works in passes (a network event loop) wake each parked shard once at the end of its pass
 * instead of once per task it hands over. Waking a parked thread is a futex call, and on a busy core the woken shard
 * often preempts the loop at once, runs the one task, and parks again: a pass that reads many packets would pay
 * that per packet. Deferred, the shard wakes once and finds the pass's tasks queued together.
 *
 * <p>A thread opts in with {@link #install}; every other thread wakes shards at once. A thread that installed this
 * must never block waiting for a shard inside a pass: the shard would not be woken until the pass ends.
 */
public final class PassWakes {

    private static final ThreadLocal<PassWakes> CURRENT = new ThreadLocal<>();

    private final Executor afterPass;
    private final List<Shard> pending = new ArrayList<>(4);
    private final Runnable flush = this::flush;

    private PassWakes(Executor afterPass) {
        this.afterPass = afterPass;
    }

    /**
     * Makes the calling thread defer its shard wakes; {@code afterPass} must run a task at the end of the calling
     * thread's current pass, on that thread (Netty: {@code SingleThreadEventLoop.executeAfterEventLoopIteration}).
     */
    public static void install(Executor afterPass) {
        CURRENT.set(new PassWakes(afterPass));
    }

    /** Defers waking {@code shard} to the end of the calling thread's pass; false when this thread wakes at once. */
    static boolean defer(Shard shard) {
        PassWakes wakes = CURRENT.get();
        return wakes != null && wakes.add(shard);
    }

    private boolean add(Shard shard) {
        if (pending.contains(shard)) {
            return true;
        }
        if (pending.isEmpty()) {
            try {
                afterPass.execute(flush);
            } catch (RejectedExecutionException e) {
                return false; // the loop is shutting down: no further pass will end, wake now
            }
        }
        pending.add(shard);
        return true;
    }

    private void flush() {
        for (Shard shard : pending) {
            shard.wakeNow();
        }
        pending.clear();
    }
}
