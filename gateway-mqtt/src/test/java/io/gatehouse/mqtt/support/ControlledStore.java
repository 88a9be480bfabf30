package io.gatehouse.mqtt.support;

import io.gatehouse.core.store.EventLog;
import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.ForwardingEventLog;
import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.StoreException;
import io.gatehouse.core.store.memory.InMemoryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory store whose D2C appends the test controls: they succeed at once, fail, or are held until the
 * test releases them (then they complete on a store thread, as a journal's would).
 */
public final class ControlledStore implements Store {

    public enum Mode { PASS, FAIL, HOLD }

    private final InMemoryStore delegate;
    private final ControlledLog events;
    private final ExecutorService storeThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-store"));
    private volatile Mode mode = Mode.PASS;
    private final List<CompletableFuture<Void>> held = new ArrayList<>();
    private final AtomicInteger appends = new AtomicInteger();

    public ControlledStore(int partitions) {
        delegate = new InMemoryStore(partitions);
        events = new ControlledLog(delegate.events());
    }

    public void mode(Mode value) {
        mode = value;
    }

    /** Appends the log has received so far (held or not). */
    public int appends() {
        return appends.get();
    }

    public synchronized int heldCount() {
        return held.size();
    }

    /** Completes every held append, in order, on the store thread; returns how many. */
    public int releaseHeld() {
        List<CompletableFuture<Void>> release;
        synchronized (this) {
            release = new ArrayList<>(held);
            held.clear();
        }
        storeThread.execute(() -> release.forEach(f -> f.complete(null)));
        return release.size();
    }

    @Override
    public StateStore state() {
        return delegate.state();
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
        storeThread.shutdownNow();
        delegate.close();
    }

    private final class ControlledLog extends ForwardingEventLog {

        ControlledLog(EventLog log) {
            super(log);
        }

        @Override
        public CompletableFuture<Void> append(int partition, EventRecord record) {
            appends.incrementAndGet();
            switch (mode) {
                case FAIL:
                    return CompletableFuture.failedFuture(new StoreException("disk on fire (test)"));
                case HOLD:
                    delegate.append(partition, record);
                    CompletableFuture<Void> later = new CompletableFuture<>();
                    synchronized (ControlledStore.this) {
                        held.add(later);
                    }
                    return later;
                default:
                    return delegate.append(partition, record);
            }
        }

    }
}
