package io.gatehouse.core.store.memory;

import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.StoreException;
import io.gatehouse.core.store.WriteBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** State kept in a map: every write is "durable" at once. For tests and for trying things out. */
public final class InMemoryStateStore implements StateStore {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final Map<StateKey, byte[]> entries = new ConcurrentHashMap<>();
    private volatile boolean closed;

    @Override
    public synchronized CompletableFuture<Void> write(WriteBatch batch) {
        if (closed) {
            return CompletableFuture.failedFuture(new StoreException("store is closed"));
        }
        for (WriteBatch.Op op : batch.ops()) {
            if (op.isDelete()) {
                entries.remove(op.key());
            } else {
                entries.put(op.key(), op.value());
            }
        }
        return DONE;
    }

    /** Completes at once, on the calling thread: nothing here blocks. */
    @Override
    public CompletableFuture<List<byte[]>> read(List<StateKey> keys) {
        if (closed) {
            return CompletableFuture.failedFuture(new StoreException("store is closed"));
        }
        List<byte[]> values = new ArrayList<>(keys.size());
        keys.forEach(key -> values.add(entries.get(key)));
        return CompletableFuture.completedFuture(values);
    }

    @Override
    public void forEachLive(StateVisitor visitor) {
        entries.forEach(visitor::visit);
    }

    /** The live entries (for tests). */
    public Map<StateKey, byte[]> snapshot() {
        return Map.copyOf(entries);
    }

    void close() {
        closed = true;
    }
}
