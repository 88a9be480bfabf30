package io.gatehouse.journal;

import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StoreException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads live values back for {@code StateStore.read} on a thread of its own: the index (confined to the
 * appender) says where the keys' current records are, then this thread reads them with positional reads. The
 * reads queued meanwhile are served together, with one look-up: the appender answers between the steps of its
 * passes, so a look-up may wait for a write and force, and many queues reading ahead at once share that wait. A
 * record that compaction moved in between is looked up again.
 */
final class StateReader {

    /** How often a read looks again when compaction keeps moving records under it. */
    private static final int MAX_ATTEMPTS = 10;
    /** Beyond a record with no other wanted one near it, read no more than a small record's worth. */
    private static final int READ_AHEAD = 1024;

    private record Request(List<StateKey> keys, CompletableFuture<List<byte[]>> values) {
    }

    private final Appender appender;
    private final StateIndex index;
    private final ExecutorService thread;
    private final Queue<Request> requests = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean serving = new AtomicBoolean();
    private final LiveValueReader values = new LiveValueReader(new RecordReader(64 * 1024), READ_AHEAD);

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
        Request request = new Request(List.copyOf(keys), new CompletableFuture<>());
        requests.add(request);
        if (serving.compareAndSet(false, true)) {
            try {
                thread.execute(this::serve);
            } catch (RejectedExecutionException closed) {
                failAll(new StoreException("the journal store is closed"));
            }
        }
        return request.values();
    }

    /** Stops the thread; reads queued behind it fail. */
    void close() {
        thread.shutdownNow();
        failAll(new StoreException("the journal store is closed"));
    }

    /** Reader thread: serves every request queued so far in one pass over the files. */
    private void serve() {
        serving.set(false); // a request added from here on schedules another turn
        List<Request> batch = new ArrayList<>();
        Request next;
        while ((next = requests.poll()) != null) {
            batch.add(next);
        }
        if (batch.isEmpty()) {
            return;
        }
        Set<StateKey> keys = new LinkedHashSet<>();
        batch.forEach(request -> keys.addAll(request.keys()));
        Map<StateKey, byte[]> found;
        try {
            found = readAll(keys);
        } catch (RuntimeException e) {
            batch.forEach(request -> request.values().completeExceptionally(e));
            return;
        }
        for (Request request : batch) {
            List<byte[]> result = new ArrayList<>(request.keys().size());
            request.keys().forEach(key -> result.add(found.get(key)));
            request.values().complete(result);
        }
    }

    private Map<StateKey, byte[]> readAll(Set<StateKey> keys) {
        Map<StateKey, byte[]> found = new HashMap<>(2 * keys.size());
        Set<StateKey> unread = keys;
        for (int attempt = 1; !unread.isEmpty(); attempt++) {
            if (attempt > MAX_ATTEMPTS) {
                throw new StoreException("cannot read " + unread.size() + " journal entries: segments kept moving under the read");
            }
            List<StateIndex.LivePut> retired = values.read(locate(unread), found::put);
            unread = new LinkedHashSet<>();
            for (StateIndex.LivePut put : retired) {
                unread.add(put.key());
            }
        }
        return found;
    }

    /** Where the current puts of {@code keys} are (keys with none are left out), asked of the appender. */
    private List<StateIndex.LivePut> locate(Set<StateKey> keys) {
        List<StateIndex.LivePut> located = new ArrayList<>(keys.size());
        ControlOp lookup = new ControlOp(() -> keys.forEach(key -> {
            StateIndex.LivePut put = index.locate(key);
            if (put != null) {
                located.add(put);
            }
        }), false);
        appender.lookup(lookup);
        try {
            lookup.join();
        } catch (CompletionException e) {
            throw new StoreException("cannot look journal entries up: " + e.getCause().getMessage(), e.getCause());
        }
        return located;
    }

    private void failAll(StoreException failure) {
        Request request;
        while ((request = requests.poll()) != null) {
            request.values().completeExceptionally(failure);
        }
    }
}
