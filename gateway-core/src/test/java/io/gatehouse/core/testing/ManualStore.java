package io.gatehouse.core.testing;

import io.gatehouse.core.store.EventLog;
import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.ForwardingEventLog;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.StoreException;
import io.gatehouse.core.store.WriteBatch;
import io.gatehouse.core.store.memory.InMemoryStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store whose writes become durable only when the test says so: the one store double of the core's and the
 * adapters' tests. While {@link #hold()} is in force, state writes and event appends wait in call order; the
 * test completes or fails them one by one, in that order, as the {@link StateStore} contract promises.
 * {@link #holdAppends()} holds the appends only (a slow disk under telemetry, while registry and session writes
 * go through), and {@link #failAppends()} makes every later append fail (a broken disk). A state batch reaches
 * the wrapped {@link InMemoryStore} (what "survives a crash") only when it completes, so a restart over
 * {@link #durable()} sees exactly what was confirmed. Event records go into the log at once (a journal buffers
 * them too) but their futures wait: readers must not see them before.
 *
 * <p>Reads come from {@link #durable()}; {@link #holdReads()} makes them wait for {@link #completeReads()} or
 * {@link #failReads()}, and {@link #reads()} lists every read asked for (the core reads queued messages back).
 *
 * <p>{@link #shareWithOtherNodes()} makes it a store other nodes write too: each catch-up with their changes waits
 * for {@link #completeCatchUps()} (the test plays the other nodes, changing the registry before it completes them).
 *
 * <p>Not holding (the default, so that a core can start), everything completes at once. Futures complete on
 * the thread that releases them.
 */
public final class ManualStore implements Store {

    private record PendingWrite(WriteBatch batch, CompletableFuture<Void> future) {
    }

    private record PendingRead(List<StateKey> keys, CompletableFuture<List<byte[]>> future) {
    }

    private final InMemoryStore durable;
    private final Deque<PendingWrite> writes = new ArrayDeque<>();
    private final Deque<CompletableFuture<Void>> appends = new ArrayDeque<>();
    private final StateStore state = new StateStore() {
        @Override
        public CompletableFuture<Void> write(WriteBatch batch) {
            return ManualStore.this.write(batch);
        }

        @Override
        public CompletableFuture<List<byte[]>> read(List<StateKey> keys) {
            return ManualStore.this.read(keys);
        }

        @Override
        public void forEachLive(StateVisitor visitor) {
            durable.state().forEachLive(visitor);
        }

        @Override
        public Optional<String> unavailability() {
            return Optional.ofNullable(unavailable);
        }

        @Override
        public Optional<CompletableFuture<Void>> catchUp() {
            return ManualStore.this.catchUp();
        }
    };
    private final EventLog events;
    private final AtomicInteger appendsRequested = new AtomicInteger();
    private final Deque<PendingRead> heldReads = new ArrayDeque<>();
    private final List<List<StateKey>> reads = new ArrayList<>();
    private boolean holdingReads;
    private boolean holdingWrites;
    private boolean holdingAppends;
    private volatile boolean failingAppends;
    private volatile String unavailable;
    private final List<CompletableFuture<Void>> catchUps = new ArrayList<>();
    private boolean shared;

    /** From now on the store says it cannot reach its engine ({@code reason}), or, with null, that it can again. */
    public void unavailable(String reason) {
        unavailable = reason;
    }

    public ManualStore(int partitions) {
        this(new InMemoryStore(partitions));
    }

    /** Wraps {@code durable}, e.g. the store of a core that "crashed", to restart over its content. */
    public ManualStore(InMemoryStore durable) {
        this.durable = durable;
        this.events = new HeldEventLog(durable.events());
    }

    /** From now on the store acts as one other nodes write too: catch-ups wait for {@link #completeCatchUps()}. */
    public synchronized void shareWithOtherNodes() {
        shared = true;
    }

    /** How many catch-ups with other nodes' changes wait. */
    public synchronized int pendingCatchUps() {
        return catchUps.size();
    }

    /** Every waiting catch-up is done: this node heard what other nodes committed. */
    public void completeCatchUps() {
        List<CompletableFuture<Void>> done;
        synchronized (this) {
            done = List.copyOf(catchUps);
            catchUps.clear();
        }
        done.forEach(caughtUp -> caughtUp.complete(null));
    }

    private synchronized Optional<CompletableFuture<Void>> catchUp() {
        if (!shared) {
            return Optional.empty();
        }
        CompletableFuture<Void> caughtUp = new CompletableFuture<>();
        catchUps.add(caughtUp);
        return Optional.of(caughtUp);
    }

    /** From now on writes and appends wait for {@link #completeWrites}/{@link #completeAppends}. */
    public synchronized void hold() {
        holdingWrites = true;
        holdingAppends = true;
    }

    /** From now on appends wait for {@link #completeAppends}; state writes still complete at once. */
    public synchronized void holdAppends() {
        holdingAppends = true;
    }

    /** From now on every append fails at once and stores nothing. */
    public void failAppends() {
        failingAppends = true;
    }

    /** Completes everything waiting, and what those completions cause to wait behind them, and stops holding. */
    public void release() {
        synchronized (this) {
            holdingWrites = false;
            holdingAppends = false;
        }
        // a completion may let the system write again before the queue drains: that write queues behind the rest
        int completed;
        do {
            completed = completeAllWrites() + completeAllAppends();
        } while (completed > 0);
    }

    public synchronized int pendingWrites() {
        return writes.size();
    }

    public synchronized List<WriteBatch> pendingBatches() {
        List<WriteBatch> batches = new ArrayList<>();
        writes.forEach(w -> batches.add(w.batch()));
        return batches;
    }

    /** Makes the oldest {@code n} waiting writes durable, in order. */
    public void completeWrites(int n) {
        for (int i = 0; i < n; i++) {
            PendingWrite next;
            synchronized (this) {
                next = writes.poll();
                if (next == null) {
                    throw new AssertionError("no pending write to complete (" + i + " of " + n + " done)");
                }
                durable.state().write(next.batch()).join();
            }
            next.future().complete(null);
        }
    }

    /** Completes the writes waiting now (not those their completion causes); returns how many. */
    public int completeAllWrites() {
        int n = pendingWrites();
        completeWrites(n);
        return n;
    }

    /** Fails the oldest waiting write: it never becomes durable. */
    public void failNextWrite() {
        PendingWrite next;
        synchronized (this) {
            next = writes.poll();
        }
        if (next == null) {
            throw new AssertionError("no pending write to fail");
        }
        next.future().completeExceptionally(new StoreException("injected write failure"));
    }

    /** From now on reads wait for {@link #completeReads()} or {@link #failReads()}. */
    public synchronized void holdReads() {
        holdingReads = true;
    }

    /** Completes the waiting reads with what is durable now, and stops holding them. */
    public void completeReads() {
        for (PendingRead read : takeHeldReads()) {
            durable.state().read(read.keys()).whenComplete((values, failure) -> {
                if (failure != null) {
                    read.future().completeExceptionally(failure);
                } else {
                    read.future().complete(values);
                }
            });
        }
    }

    /** Fails the waiting reads, and stops holding them. */
    public void failReads() {
        for (PendingRead read : takeHeldReads()) {
            read.future().completeExceptionally(new StoreException("injected read failure"));
        }
    }

    public synchronized int pendingReads() {
        return heldReads.size();
    }

    /** The keys of every read asked for so far, one list per read, in order. */
    public synchronized List<List<StateKey>> reads() {
        return List.copyOf(reads);
    }

    private synchronized List<PendingRead> takeHeldReads() {
        holdingReads = false;
        List<PendingRead> taken = new ArrayList<>(heldReads);
        heldReads.clear();
        return taken;
    }

    private CompletableFuture<List<byte[]>> read(List<StateKey> keys) {
        synchronized (this) {
            reads.add(List.copyOf(keys));
            if (holdingReads) {
                PendingRead read = new PendingRead(List.copyOf(keys), new CompletableFuture<>());
                heldReads.add(read);
                return read.future();
            }
        }
        return durable.state().read(keys);
    }

    /** Appends asked for so far: waiting, completed or failed. */
    public int appendsRequested() {
        return appendsRequested.get();
    }

    public synchronized int pendingAppends() {
        return appends.size();
    }

    public void completeAppends(int n) {
        for (int i = 0; i < n; i++) {
            CompletableFuture<Void> next;
            synchronized (this) {
                next = appends.poll();
            }
            if (next == null) {
                throw new AssertionError("no pending append to complete (" + i + " of " + n + " done)");
            }
            next.complete(null);
        }
    }

    /** Completes the appends waiting now (not those their completion causes); returns how many. */
    public int completeAllAppends() {
        int n = pendingAppends();
        completeAppends(n);
        return n;
    }

    /** What has been made durable: restart a core over it to simulate a crash now. */
    public InMemoryStore durable() {
        return durable;
    }

    private CompletableFuture<Void> write(WriteBatch batch) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        synchronized (this) {
            if (holdingWrites || !writes.isEmpty()) {
                writes.add(new PendingWrite(batch, future));
                return future;
            }
            durable.state().write(batch).join();
        }
        future.complete(null);
        return future;
    }

    @Override
    public StateStore state() {
        return state;
    }

    @Override
    public EventLog events() {
        return events;
    }

    @Override
    public boolean isDurable() {
        return false;
    }

    @Override
    public void close() {
        durable.close();
    }

    private final class HeldEventLog extends ForwardingEventLog {

        HeldEventLog(EventLog log) {
            super(log);
        }

        @Override
        public CompletableFuture<Void> append(int partition, EventRecord record) {
            appendsRequested.incrementAndGet();
            if (failingAppends) {
                return CompletableFuture.failedFuture(new StoreException("injected append failure: disk on fire"));
            }
            delegate.append(partition, record);
            CompletableFuture<Void> future = new CompletableFuture<>();
            synchronized (ManualStore.this) {
                if (holdingAppends || !appends.isEmpty()) {
                    appends.add(future);
                    return future;
                }
            }
            future.complete(null);
            return future;
        }

    }
}
