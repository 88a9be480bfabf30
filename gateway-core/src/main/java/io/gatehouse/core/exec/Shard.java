package io.gatehouse.core.exec;

import io.gatehouse.core.time.Clock;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-threaded owner of state: tasks submitted from any thread run one at a time, in submission
 * order, and timers fire on the same thread. State confined to a shard needs no locks.
 *
 * <p>A shard either runs its own thread ({@link #start()}), or is driven by the caller through
 * {@link #runPending()}, which makes tests deterministic: operations and timers run exactly when the
 * test says so.
 */
public final class Shard implements Executor {

    private static final Logger log = LoggerFactory.getLogger(Shard.class);
    private static final int TASKS_PER_TURN = 1024;

    private final String name;
    private final Clock clock;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final TimerHeap timers = new TimerHeap();
    private final AtomicBoolean parked = new AtomicBoolean();
    private volatile Thread thread;
    private volatile boolean stopping;
    private volatile Thread runningThread;

    public Shard(String name, Clock clock) {
        this.name = name;
        this.clock = clock;
        clock.onAdvance(this::wake);
    }

    public String name() {
        return name;
    }

    public Clock clock() {
        return clock;
    }

    /** Starts the shard's own thread. Without it, the shard only runs inside {@link #runPending()}. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException(name + " already started");
        }
        Thread t = new Thread(this::loop, name);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    @Override
    public void execute(Runnable task) {
        if (stopping) {
            throw new RejectedExecutionException(name + " is stopped");
        }
        tasks.add(task);
        wake();
    }

    /**
     * Runs {@code operation} on this shard and completes the returned future as the operation's own future
     * completes: how callers on other threads start work on state the shard owns.
     */
    public <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> operation) {
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> operation.get().whenComplete((value, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(value);
            }
        }));
        return result;
    }

    /** True when called from the thread currently running this shard's tasks. */
    public boolean inShard() {
        return Thread.currentThread() == runningThread;
    }

    /** Schedules {@code task} at {@code deadlineMillis} (clock time). Shard thread only. */
    public Timer schedule(long deadlineMillis, Runnable task) {
        assertInShard();
        return timers.add(deadlineMillis, task);
    }

    public void assertInShard() {
        if (!inShard()) {
            throw new IllegalStateException("not on " + name + ": " + Thread.currentThread().getName());
        }
    }

    /**
     * Runs every queued task and every due timer on the calling thread until nothing is left. For shards
     * without their own thread (tests).
     */
    public void runPending() {
        if (thread != null) {
            throw new IllegalStateException(name + " runs its own thread");
        }
        Thread previous = runningThread;
        runningThread = Thread.currentThread();
        try {
            while (runTasks() | runDueTimers()) {
                // keep going until a whole turn does nothing
            }
        } finally {
            runningThread = previous;
        }
    }

    /** Stops the shard's thread after the tasks already queued have run. */
    public void stop() {
        stopping = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public int pendingTimers() {
        return timers.size();
    }

    /** True while the shard's thread waits for work (or is about to). */
    boolean isParked() {
        return parked.get();
    }

    /** True when a task is queued or a timer is due now. */
    public boolean hasPendingWork() {
        return !tasks.isEmpty() || timers.nextDeadline() <= clock.millis();
    }

    private void loop() {
        runningThread = Thread.currentThread();
        while (true) {
            boolean worked = runTasks() | runDueTimers();
            if (worked) {
                continue;
            }
            if (stopping) {
                if (tasks.isEmpty()) {
                    return;
                }
                continue;
            }
            parked.set(true);
            // look again after announcing the park: a task or clock advance that came in meanwhile found
            // the flag still clear and did not unpark us
            long deadline = timers.nextDeadline();
            if (tasks.isEmpty() && !stopping && deadline > clock.millis()) {
                if (deadline == Long.MAX_VALUE || !clock.isRealTime()) {
                    LockSupport.park(this);
                } else {
                    long waitMillis = deadline - clock.millis();
                    if (waitMillis > 0) {
                        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(waitMillis));
                    }
                }
            }
            parked.set(false);
        }
    }

    private boolean runTasks() {
        boolean ran = false;
        for (int i = 0; i < TASKS_PER_TURN; i++) {
            Runnable task = tasks.poll();
            if (task == null) {
                break;
            }
            ran = true;
            safely(task);
        }
        return ran;
    }

    private boolean runDueTimers() {
        boolean ran = false;
        long now = clock.millis();
        Timer due;
        while ((due = timers.pollDue(now)) != null) {
            ran = true;
            safely(due.task);
        }
        return ran;
    }

    private void safely(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            // a bug in one operation must not take the whole shard (and every device on it) down
            log.error("Unexpected failure on {}", name, t);
        }
    }

    private void wake() {
        if (parked.get() && !PassWakes.defer(this)) {
            wakeNow();
        }
    }

    /** Unparks the shard's thread if it is parked; a running shard finds the queued tasks before it parks. */
    void wakeNow() {
        Thread t = thread;
        if (t != null && parked.compareAndSet(true, false)) {
            LockSupport.unpark(t);
        }
    }
}
