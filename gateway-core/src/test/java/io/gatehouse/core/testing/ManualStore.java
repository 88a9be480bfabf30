package io.gatehouse.core.testing;

import io.gatehouse.core.store.EventLog;
import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.ForwardingEventLog;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.StoreException;
import io.gatehouse.core.store.WriteBatch;
import io.gatehouse.core.store.memory.InMemoryStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A store whose writes become durable only when the test says so. While {@link #hold()} is in force, state
 * writes and event appends wait in call order; the test completes or fails them one by one, in that order,
 * as the {@link StateStore} contract promises. A state batch reaches the wrapped {@link InMemoryStore} (what
 * "survives a crash") only when it completes, so a restart over {@link #durable()} sees exactly what was
 * confirmed. Event records go into the log at once (a journal buffers them too) but their futures wait:
 * readers must not see them before.
 *
 * <p>Not holding (the default, so that a core can start), everything completes at once. Futures complete on
 * the thread that releases them.
 */
public final class ManualStore implements Store {

    private record PendingWrite(WriteBatch batch, CompletableFuture<Void> future) {
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
        public void forEachLive(StateVisitor visitor) {
            durable.state().forEachLive(visitor);
        }
    };
    private final EventLog events;
    private boolean holding;

    public ManualStore(int partitions) {
        this(new InMemoryStore(partitions));
    }

    /** Wraps {@code durable}, e.g. the store of a core that "crashed", to restart over its content. */
    public ManualStore(InMemoryStore durable) {
        this.durable = durable;
        this.events = new HeldEventLog(durable.events());
    }

    /** From now on writes and appends wait for {@link #completeWrites}/{@link #completeAppends}. */
    public synchronized void hold() {
        holding = true;
    }

    /** Completes everything waiting and stops holding. */
    public void release() {
        synchronized (this) {
            holding = false;
        }
        completeAllWrites();
        completeAllAppends();
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

    public void completeAllWrites() {
        completeWrites(pendingWrites());
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

    public void completeAllAppends() {
        completeAppends(pendingAppends());
    }

    /** What has been made durable: restart a core over it to simulate a crash now. */
    public InMemoryStore durable() {
        return durable;
    }

    private CompletableFuture<Void> write(WriteBatch batch) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        synchronized (this) {
            if (holding || !writes.isEmpty()) {
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
            delegate.append(partition, record);
            CompletableFuture<Void> future = new CompletableFuture<>();
            synchronized (ManualStore.this) {
                if (holding || !appends.isEmpty()) {
                    appends.add(future);
                    return future;
                }
            }
            future.complete(null);
            return future;
        }

    }
}
