package io.gatehouse.journal;

import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StoreException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Reads live values back for {@code StateStore.read} on a thread of its own: the index (confined to the
 * appender) says where the keys' current records are, then this thread reads them with positional reads. A
 * record that compaction moved meanwhile is looked up again.
 */
final class StateReader {

    /** How often a read looks again when compaction keeps moving records under it. */
    private static final int MAX_ATTEMPTS = 10;
    /** Enough for a few records of small messages around the one wanted; larger records grow it. */
    private static final int BUFFER_BYTES = 16 * 1024;

    private final Appender appender;
    private final StateIndex index;
    private final ExecutorService thread;
    private final LiveValueReader values = new LiveValueReader(BUFFER_BYTES);

    StateReader(Appender appender, StateIndex index) {
        this.appender = appender;
        this.index = index;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gatehouse-journal-reader");
            t.setDaemon(true);
            return t;
        });
    }

    CompletableFuture<List<byte[]>> read(List<StateKey> keys) {
        List<StateKey> wanted = List.copyOf(keys);
        try {
            return CompletableFuture.supplyAsync(() -> readNow(wanted), thread);
        } catch (RejectedExecutionException closed) {
            return CompletableFuture.failedFuture(new StoreException("the journal store is closed"));
        }
    }

    /** Stops the thread; reads queued behind it fail. */
    void close() {
        thread.shutdownNow();
    }

    private List<byte[]> readNow(List<StateKey> keys) {
        Map<StateKey, byte[]> found = new HashMap<>();
        Set<StateKey> unread = new LinkedHashSet<>(keys);
        for (int attempt = 1; !unread.isEmpty(); attempt++) {
            if (attempt > MAX_ATTEMPTS) {
                throw new StoreException("cannot read " + unread.size() + " journal entries: segments kept moving under the read");
            }
            List<StateIndex.LivePut> retired = values.read(locate(unread), found::put);
            unread.clear();
            retired.forEach(put -> unread.add(put.key()));
        }
        List<byte[]> result = new ArrayList<>(keys.size());
        keys.forEach(key -> result.add(found.get(key)));
        return result;
    }

    /** Where the current puts of {@code keys} are (keys with none are left out), asked of the appender. */
    private List<StateIndex.LivePut> locate(Set<StateKey> keys) {
        List<StateIndex.LivePut> located = new ArrayList<>(keys.size());
        ControlOp lookup = ControlOp.indexLookup(() -> keys.forEach(key -> {
            StateIndex.LivePut put = index.locate(key);
            if (put != null) {
                located.add(put);
            }
        }));
        appender.submit(lookup);
        try {
            lookup.join();
        } catch (CompletionException e) {
            throw new StoreException("cannot look journal entries up: " + e.getCause().getMessage(), e.getCause());
        }
        return located;
    }
}
