package io.gatehouse.journal;

import io.gatehouse.core.store.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group-commit writer: the one thread that owns the journal's files. Callers only enqueue (one atomic
 * exchange, see {@link OpQueue}); this thread drains everything queued into one pass, encodes it, writes
 * each dirty file once, forces each once, applies the pass to the in-memory indexes and completes the
 * futures in queue order. While a force is in flight the next pass gathers by itself; under the
 * {@code batch(window)} policy, passes that carry several writers' records are also paced (see {@link #gather}).
 */
final class Appender {

    private static final Logger log = LoggerFactory.getLogger(Appender.class);
    /** Passes this small are completed on this thread when the completer is idle: one hand-off less. */
    private static final int INLINE_COMPLETIONS = 16;
    /** How often a gathering pass looks whether it is complete: near the timer granularity of a parked thread. */
    private static final long GATHER_SLICE_NANOS = 50_000;

    private final OpQueue queue = new OpQueue();
    /** Index look-ups for readers, answered ahead of the queued writes (see {@link #lookup}). */
    private final Queue<ControlOp> lookups = new ConcurrentLinkedQueue<>();
    private final StateStream state;
    private final EventFileStream events;
    private final Compactor compactor;
    private final SegmentAllocator allocator;
    private final ExecutorService housekeeper;
    /** Forces the event file of a pass while this thread forces the state file: a pass costs about one force. */
    private final ExecutorService syncers;
    private final ArrayList<Future<?>> forcing = new ArrayList<>();
    private final Completer completer;
    private final JournalStats.Counters stats;
    private final long windowNanos;
    private final boolean durable;
    private final int maxPassBytes;
    /** The pacing of {@link #gather}: when the last pass started, and the size passes reach (a decaying maximum). */
    private long lastPassStart;
    private int targetPassSize;
    private final ArrayList<PendingOp> pass = new ArrayList<>();
    private final ArrayList<SegmentStream> streams = new ArrayList<>();
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final AtomicBoolean replenishQueued = new AtomicBoolean();
    private final Object drainLock = new Object();
    private final Thread thread;
    private long passBytes;
    private PendingOp carried;
    private volatile boolean stopped;
    private volatile PassObserver observer = PassObserver.NONE;

    Appender(String name, StateStream state, EventFileStream events, SegmentAllocator allocator,
             ExecutorService housekeeper, JournalOptions options, JournalStats.Counters stats) {
        this.state = state;
        this.events = events;
        this.allocator = allocator;
        this.housekeeper = housekeeper;
        this.stats = stats;
        this.windowNanos = options.sync().mode() == SyncPolicy.Mode.BATCH ? options.sync().window().toNanos() : 0;
        this.maxPassBytes = options.maxPassBytes();
        this.durable = options.sync().isDurable();
        this.completer = new Completer(name + "-completer");
        this.syncers = options.sync().isDurable()
                ? Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, name + "-sync");
                    t.setDaemon(true);
                    return t;
                })
                : null;
        this.compactor = new Compactor(state, options, housekeeper, this::submit, this::add, stats);
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    void start() {
        completer.start();
        thread.start();
        replenishSpares();
    }

    void observePasses(PassObserver observer) {
        this.observer = observer;
    }

    /** Any thread: queues an operation. Never blocks. */
    void submit(PendingOp op) {
        op.queuedNanos = System.nanoTime();
        queue.offer(op);
        wake();
    }

    /**
     * Any thread: queues a look-up in the index (a {@link ControlOp} that only reads it), to run as soon as the
     * appender is between two steps of its work, ahead of the writes queued before it: the index then describes
     * every pass already durable, and a write still queued has not completed, so no reader may expect to see it.
     * A reader thus waits for at most one pass, not for the whole queue.
     */
    void lookup(ControlOp op) {
        lookups.add(op);
        wake();
    }

    private void wake() {
        if (stopped) {
            failQueued();
            return;
        }
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            LockSupport.unpark(thread);
        }
    }

    private void answerLookups() {
        ControlOp lookup;
        while ((lookup = lookups.poll()) != null) {
            runControl(lookup);
        }
    }

    /** Queues {@code close} (a close {@link ControlOp}) and waits until everything before it is done. */
    void stop(ControlOp close) {
        submit(close);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        completer.stop();
        if (syncers != null) {
            syncers.shutdown();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            loop();
        } catch (Throwable t) {
            log.error("The journal appender stopped unexpectedly; every later write fails", t);
        } finally {
            stopped = true;
            failQueued();
        }
    }

    private void loop() {
        while (true) {
            answerLookups();
            PendingOp op = carried != null ? carried : queue.poll();
            carried = null;
            if (op == null) {
                idle();
                continue;
            }
            if (op instanceof ControlOp control) {
                if (control.close) {
                    control.complete(null);
                    return;
                }
                runControl(control);
                if (pass.isEmpty()) {
                    continue;
                }
            } else {
                add(op);
            }
            gather();
            commit();
        }
    }

    private void idle() {
        sleeping.set(true);
        if (queue.isEmpty() && lookups.isEmpty()) {
            LockSupport.park(this);
        }
        sleeping.set(false);
    }

    private void runControl(ControlOp control) {
        try {
            control.run();
            control.complete(null);
        } catch (Throwable t) {
            log.error("Journal maintenance task failed", t);
            control.completeExceptionally(t);
        }
    }

    /** Encodes one operation into this pass (appender thread; also the compactor's relocations). */
    void add(PendingOp op) {
        SegmentStream stream;
        if (op instanceof StateWrite write) {
            state.encode(write);
            stream = state;
        } else {
            events.encode((EventAppend) op);
            stream = events;
        }
        if (!stream.inPass) {
            stream.inPass = true;
            streams.add(stream);
        }
        passBytes += op.length;
        pass.add(op);
    }

    /**
     * Takes whatever else is queued. With a batch window and several writers active, a pass then waits for
     * company: until it is as large as recent passes were (closed-loop writers, all waiting for this pass, are
     * back), or until one window after the previous pass started (writers arriving independently keep
     * coming). Under load, forces (tens of microseconds of CPU each, per file) are thus spread over many
     * records instead of repeated for a few; a lone synchronous writer is never delayed. The wait parks in
     * short slices rather than spinning: on a busy core spinning steals the CPU from the writers themselves.
     */
    private void gather() {
        drain();
        if (windowNanos == 0 || targetPassSize < 2) {
            return;
        }
        long due = lastPassStart + windowNanos;
        long wait;
        while (carried == null && passBytes < maxPassBytes && pass.size() < targetPassSize
                && (wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(this, Math.min(wait, GATHER_SLICE_NANOS));
            drain();
        }
    }

    /** Adds everything queued (up to the pass limit, before any control operation); true when it took something. */
    private boolean drain() {
        boolean took = false;
        while (passBytes < maxPassBytes) {
            answerLookups();
            PendingOp op = queue.poll();
            if (op == null) {
                return took;
            }
            if (op instanceof ControlOp) {
                carried = op;
                return took;
            }
            add(op);
            took = true;
        }
        return took;
    }

    /** Writes, forces, applies and completes the pass. */
    private void commit() {
        lastPassStart = System.nanoTime();
        // decays so that one small pass does not set the bar (passes would shrink for good), nor one large pass forever
        targetPassSize = Math.max(pass.size(), targetPassSize - (targetPassSize + 7) / 8);
        try {
            stats.pass();
            for (int i = 0, n = streams.size(); i < n; i++) {
                streams.get(i).flush();
            }
            long forceStart = System.nanoTime();
            int forced = durable ? forceAll() : 0;
            observer.passCommitted(pass.size(), forced, System.nanoTime() - forceStart, oldestWait());
            for (int i = 0, n = streams.size(); i < n; i++) {
                streams.get(i).finishPass();
            }
            for (int i = 0, n = pass.size(); i < n; i++) {
                PendingOp op = pass.get(i);
                if (op.failure == null) {
                    apply(op);
                }
            }
            for (int i = 0, n = streams.size(); i < n; i++) {
                streams.get(i).afterApply();
            }
            state.reclaim();
            compactor.afterPass();
            replenishSpares();
        } catch (RuntimeException e) {
            log.error("Journal pass failed unexpectedly", e);
            StoreException failure = new StoreException("internal journal error: " + e, e);
            pass.forEach(op -> op.failWith(failure));
        } finally {
            streams.forEach(s -> s.inPass = false);
            streams.clear();
            complete();
            pass.clear();
            passBytes = 0;
        }
    }

    /** How long the pass's oldest queued operation waited for the pass to start; ops are added in queue order. */
    private long oldestWait() {
        for (int i = 0, n = pass.size(); i < n; i++) {
            long queued = pass.get(i).queuedNanos;
            if (queued != 0) {
                return lastPassStart - queued;
            }
        }
        return 0;
    }

    /** Forces every dirty file of the pass, in parallel when there are several; returns how many. */
    private int forceAll() {
        int n = streams.size();
        if (n == 1 || syncers == null) {
            for (int i = 0; i < n; i++) {
                streams.get(i).force();
            }
            return n;
        }
        for (int i = 1; i < n; i++) {
            forcing.add(syncers.submit(streams.get(i)::force));
        }
        streams.get(0).force();
        try {
            for (Future<?> f : forcing) {
                awaitForce(f);
            }
        } finally {
            forcing.clear();
        }
        return n;
    }

    private static void awaitForce(Future<?> force) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    force.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw new IllegalStateException("forcing a journal file failed unexpectedly", e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void apply(PendingOp op) {
        if (op instanceof StateWrite write) {
            state.apply(write);
        } else {
            events.apply((EventAppend) op);
        }
    }

    private void complete() {
        if (pass.size() <= INLINE_COMPLETIONS && completer.isIdle()) {
            for (int i = 0, n = pass.size(); i < n; i++) {
                pass.get(i).signal();
            }
        } else {
            completer.post(List.copyOf(pass));
        }
    }

    private void replenishSpares() {
        if (allocator.needsSpares() && replenishQueued.compareAndSet(false, true)) {
            try {
                housekeeper.execute(() -> {
                    replenishQueued.set(false);
                    allocator.replenish();
                });
            } catch (RejectedExecutionException closing) {
                replenishQueued.set(false);
            }
        }
    }

    /** After the appender stopped: whatever is still queued fails. */
    private void failQueued() {
        synchronized (drainLock) {
            PendingOp op;
            while ((op = queue.poll()) != null || (op = lookups.poll()) != null) {
                op.failWith(new StoreException("the journal store is closed"));
                op.signal();
            }
        }
    }
}
