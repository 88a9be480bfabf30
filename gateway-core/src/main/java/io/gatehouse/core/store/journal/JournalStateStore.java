package io.gatehouse.core.store.journal;

import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.StoreException;
import io.gatehouse.core.store.WriteBatch;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** The state store over the journal: writes are queued to the appender; live entries are read back from disk. */
final class JournalStateStore implements StateStore {

    private final JournalStore store;
    private final Appender appender;
    private final StateIndex index;

    JournalStateStore(JournalStore store, Appender appender, StateIndex index) {
        this.store = store;
        this.appender = appender;
        this.index = index;
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

    /**
     * Reads every live entry back from the segments: the appender takes a snapshot of where they are (at a
     * pass boundary), then this thread reads the records in file order.
     */
    @Override
    public void forEachLive(StateVisitor visitor) {
        List<StateIndex.LivePut> live = snapshot();
        live.sort(Comparator.comparingLong((StateIndex.LivePut p) -> p.segment().id).thenComparingLong(StateIndex.LivePut::position));
        RecordReader reader = new RecordReader(256 * 1024);
        int i = 0;
        while (i < live.size()) {
            StateIndex.LivePut first = live.get(i);
            Map<StateKey, Boolean> wanted = new HashMap<>();
            int j = i;
            while (j < live.size() && live.get(j).segment() == first.segment() && live.get(j).position() == first.position()) {
                wanted.put(live.get(j).key(), Boolean.TRUE);
                j++;
            }
            readRecord(reader, first.segment(), first.position(), wanted, visitor);
            i = j;
        }
    }

    private List<StateIndex.LivePut> snapshot() {
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

    /** Visits the last operation on each wanted key in the record at {@code position} (a put: it is live). */
    private static void readRecord(RecordReader reader, StateSegment segment, long position, Map<StateKey, Boolean> wanted,
                                   StateVisitor visitor) {
        try {
            reader.readRange(segment, segment.channel, position, segment.durableEnd, Integer.MAX_VALUE,
                    (at, buf, start, length) -> {
                        Map<StateKey, byte[]> lastOps = new HashMap<>();
                        try {
                            StateRecordCodec.decode(buf, start, length, (key, b, valueStart, valueLength, size) -> {
                                if (wanted.containsKey(key)) {
                                    lastOps.put(key, valueStart < 0 ? null : StateRecordCodec.value(b, valueStart, valueLength));
                                }
                            });
                        } catch (StateRecordCodec.MalformedRecordException e) {
                            throw new JournalCorruptionException(segment.path, at, e.getMessage());
                        }
                        lastOps.forEach((key, value) -> {
                            if (value != null) {
                                visitor.visit(key, value);
                            }
                        });
                        return false;
                    });
        } catch (IOException e) {
            throw new StoreException("cannot read journal segment " + segment.fileName() + ": " + e.getMessage(), e);
        }
    }
}
