package io.gatehouse.journal;

import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.StoreException;
import io.gatehouse.core.store.WriteBatch;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** The state store over the journal: writes are queued to the appender; live entries are read back from disk. */
final class JournalStateStore implements StateStore {

    /** How often {@link #forEachLive} looks again when compaction moved records under it. */
    private static final int MAX_ATTEMPTS = 10;

    private final JournalStore store;
    private final Appender appender;
    private final StateIndex index;
    private final StateReader reader;

    JournalStateStore(JournalStore store, Appender appender, StateIndex index) {
        this.store = store;
        this.appender = appender;
        this.index = index;
        this.reader = new StateReader(appender, index);
    }

    @Override
    public CompletableFuture<Void> write(WriteBatch batch) {
        if (store.isClosed()) {
            return CompletableFuture.failedFuture(new StoreException("the journal store is closed"));
        }
        StateWrite op = new StateWrite(batch);
        appender.submit(op);
        return op;
    }

    @Override
    public CompletableFuture<List<byte[]>> read(List<StateKey> keys) {
        if (store.isClosed()) {
            return CompletableFuture.failedFuture(new StoreException("the journal store is closed"));
        }
        return reader.read(keys);
    }

    /** Closing: reads still queued fail. */
    void close() {
        reader.close();
    }

    /**
     * Reads every live entry back from the segments: the appender takes a snapshot of where they are (at a
     * pass boundary), then this thread reads the records in file order.
     */
    @Override
    public void forEachLive(StateVisitor visitor) {
        // compaction may retire a segment between the snapshot and the read: then look again, for the keys not
        // visited yet (their records have moved to a newer segment)
        Set<StateKey> visited = new HashSet<>();
        StateVisitor once = (key, value) -> {
            if (visited.add(key)) {
                visitor.visit(key, value);
            }
        };
        LiveValueReader values = new LiveValueReader(new RecordReader(256 * 1024));
        for (int attempt = 1; ; attempt++) {
            List<StateIndex.LivePut> live = snapshot();
            live.removeIf(put -> visited.contains(put.key()));
            if (values.read(live, once).isEmpty()) {
                return;
            }
            if (attempt == MAX_ATTEMPTS) {
                throw new StoreException("cannot list the journal's live entries: segments kept moving under the read");
            }
        }
    }

    /** Where every current put is, as the appender sees it at a pass boundary. */
    List<StateIndex.LivePut> snapshot() {
        List<StateIndex.LivePut> result = new ArrayList<>();
        ControlOp op = new ControlOp(() -> result.addAll(index.livePuts()), false);
        appender.submit(op);
        try {
            op.join();
        } catch (CompletionException e) {
            throw new StoreException("cannot list the journal's live entries: " + e.getCause().getMessage(), e.getCause());
        }
        return result;
    }
}
