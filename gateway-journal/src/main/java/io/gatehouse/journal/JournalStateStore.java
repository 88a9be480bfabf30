package io.gatehouse.journal;

import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.StoreException;
import io.gatehouse.core.store.WriteBatch;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
        // compaction may retire a segment between the snapshot and the read: then look again, for the keys not
        // visited yet (their records have moved to a newer segment)
        Set<StateKey> visited = new HashSet<>();
        StateVisitor once = (key, value) -> {
            if (visited.add(key)) {
                visitor.visit(key, value);
            }
        };
        for (int attempt = 1; ; attempt++) {
            try {
                visitLive(once, visited);
                return;
            } catch (SegmentRetiredException e) {
                if (attempt == MAX_ATTEMPTS) {
                    throw new StoreException("cannot list the journal's live entries: segments kept moving under the read",
                            e.getCause());
                }
            }
        }
    }

    /** A segment was closed (retired by compaction) while it was being read. */
    private static final class SegmentRetiredException extends RuntimeException {
        SegmentRetiredException(ClosedChannelException cause) {
            super(cause);
        }
    }

    private void visitLive(StateVisitor visitor, Set<StateKey> skip) {
        List<StateIndex.LivePut> live = snapshot();
        live.removeIf(put -> skip.contains(put.key()));
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
        } catch (ClosedChannelException e) {
            throw new SegmentRetiredException(e);
        } catch (IOException e) {
            throw new StoreException("cannot read journal segment " + segment.fileName() + ": " + e.getMessage(), e);
        }
    }
}
