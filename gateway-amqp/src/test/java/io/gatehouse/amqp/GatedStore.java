package io.gatehouse.amqp;

import io.gatehouse.core.store.EventLog;
import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.ForwardingEventLog;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.memory.InMemoryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory store whose event appends become durable only when the test opens the gate: a slow disk. */
final class GatedStore implements Store {

    private final InMemoryStore delegate;
    private final GatedLog log;

    GatedStore(int partitions) {
        delegate = new InMemoryStore(partitions);
        log = new GatedLog(delegate.events());
    }

    /** Appends asked for so far (committed or not). */
    int appendsRequested() {
        return log.requested.get();
    }

    /** Commits every pending append, and every later one at once. */
    void open() {
        log.open();
    }

    /** Every later append fails, as a broken disk would. */
    void failAppends() {
        log.failing = true;
    }

    @Override
    public StateStore state() {
        return delegate.state();
    }

    @Override
    public EventLog events() {
        return log;
    }

    @Override
    public boolean isDurable() {
        return false;
    }

    @Override
    public void close() {
        delegate.close();
    }

    private static final class GatedLog extends ForwardingEventLog {
        private final AtomicInteger requested = new AtomicInteger();
        private final List<CompletableFuture<Void>> pending = new ArrayList<>();
        private boolean open;
        private volatile boolean failing;

        GatedLog(EventLog delegate) {
            super(delegate);
        }

        synchronized void open() {
            open = true;
            pending.forEach(f -> f.complete(null));
            pending.clear();
        }

        @Override
        public CompletableFuture<Void> append(int partition, EventRecord record) {
            requested.incrementAndGet();
            if (failing) {
                return CompletableFuture.failedFuture(new io.gatehouse.core.store.StoreException("disk on fire"));
            }
            CompletableFuture<Void> written = delegate.append(partition, record);
            CompletableFuture<Void> durable = new CompletableFuture<>();
            synchronized (this) {
                if (open) {
                    return written;
                }
                pending.add(durable);
            }
            return written.thenCombine(durable, (a, b) -> null);
        }

    }
}
