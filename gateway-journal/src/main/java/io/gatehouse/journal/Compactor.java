package io.gatehouse.journal;

import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.WriteBatch;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts mostly dead state segments in four steps, so that neither thread does the other's work and only
 * the values still needed are copied out of the file: the housekeeper scans the segment, a stretch at a time,
 * for the keys it changes; the appender keeps those whose current record is there; the housekeeper reads their
 * values; at the next pass boundary the appender copies them (live puts and the tombstones that must stay) to
 * the head of the stream, and once that copy is durable the old segment has nothing live and is reclaimed. One
 * compaction at a time, so it never competes much with the writers.
 */
final class Compactor {

    private static final Logger log = LoggerFactory.getLogger(Compactor.class);
    private static final long RETRY_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int CHUNK_BYTES = 1 << 20;
    /**
     * Operations scanned per hand-over to the appender. A whole segment's keys held at once (a 32 MB segment
     * of C2D traffic has a few hundred thousand, nearly all dead) outlived young collections and made them slow.
     */
    private static final int SCAN_OPS = 8192;
    /** Up to this many operations in a record, its keys are compared pairwise rather than through a set. */
    private static final int FEW_OPERATIONS = 8;

    /** An operation found in the segment: the last one on its key within one record. */
    record Found(StateKey key, long position, boolean delete) {
    }

    /** A current operation to copy: the value of a put, or null for a delete that must stay. */
    record Copy(StateKey key, long position, byte[] value) {
    }

    /**
     * One segment's compaction under way: how far the scan got, and what is kept so far. Handed between the
     * housekeeper and the appender, one step at a time.
     */
    private static final class Progress {
        final StateSegment segment;
        final long end;
        long next = SegmentHeader.SIZE;
        /** The deletes to keep; then also the puts, with their values. */
        final List<Copy> copies = new ArrayList<>();
        final List<StateIndex.LivePut> puts = new ArrayList<>();

        Progress(StateSegment segment, long end) {
            this.segment = segment;
            this.end = end;
        }
    }

    private final StateStream state;
    private final JournalOptions options;
    private final Executor housekeeper;
    private final Consumer<ControlOp> submit;
    private final Consumer<StateWrite> addToPass;
    /** The scan's owners, reused while they repeat (one compaction at a time, on the housekeeper). */
    private final OwnerStrings owners = new OwnerStrings();
    private final JournalStats.Counters stats;
    private final RecordReader reader;
    private final LiveValueReader values;
    private boolean inFlight;
    private StateSegment relocating;
    private long notBefore;

    /**
     * @param submit    queues work for the appender (from the housekeeper)
     * @param addToPass adds a write to the appender's current pass (on the appender)
     */
    Compactor(StateStream state, JournalOptions options, Executor housekeeper, Consumer<ControlOp> submit,
              Consumer<StateWrite> addToPass, JournalStats.Counters stats) {
        this.state = state;
        this.options = options;
        this.housekeeper = housekeeper;
        this.submit = submit;
        this.addToPass = addToPass;
        this.stats = stats;
        this.reader = new RecordReader(256 * 1024);
        this.values = new LiveValueReader(reader);
    }

    /** Appender, after every pass: settles a relocation just written, or starts the next compaction. */
    void afterPass() {
        if (relocating != null) {
            StateSegment s = relocating;
            relocating = null;
            inFlight = false;
            if (s.retired) {
                stats.compaction();
            } else {
                giveUp(s); // the copy failed (or was partial): try again later
            }
        }
        if (inFlight || options.compactBelow() <= 0 || System.nanoTime() - notBefore < 0) {
            return;
        }
        StateSegment candidate = state.index().compactionCandidate(options.compactBelow());
        if (candidate == null) {
            return;
        }
        candidate.compacting = true;
        inFlight = true;
        Progress progress = new Progress(candidate, candidate.writePosition);
        onHousekeeper(candidate, () -> scanAndHandBack(progress));
    }

    /** Housekeeper: scans the next stretch of the segment, then asks the appender which of it is still current. */
    private void scanAndHandBack(Progress progress) {
        List<Found> found = null;
        try {
            found = scan(progress);
        } catch (ClosedChannelException e) {
            // every record in it died meanwhile and it was reclaimed: nothing left to do
        } catch (IOException | RuntimeException e) {
            log.warn("Cannot read journal segment {} for compaction: {}", progress.segment.fileName(), e.toString());
        }
        List<Found> result = found;
        submit.accept(new ControlOp(() -> keepCurrent(progress, result), false));
    }

    /** The operations of the records from {@code progress.next} on, at most about {@link #SCAN_OPS} of them. */
    private List<Found> scan(Progress progress) throws IOException {
        StateSegment segment = progress.segment;
        List<Found> out = new ArrayList<>();
        List<Found> inRecord = new ArrayList<>();
        if (progress.next == SegmentHeader.SIZE) {
            // a window from an earlier call may be of a file reused since; within one segment's scan it stays valid
            reader.invalidate();
        }
        reader.readRange(segment, segment.channel, progress.next, progress.end, options.maxRecordSize(),
                (position, buf, start, length) -> {
                    if (out.size() >= SCAN_OPS) {
                        return false;
                    }
                    progress.next = position + length;
                    if (buf.get(start + RecordFormat.TYPE) != RecordFormat.STATE) {
                        return true;
                    }
                    inRecord.clear();
                    try {
                        StateRecordCodec.decode(buf, start, length, owners, (key, b, valueStart, valueLength, size) ->
                                inRecord.add(new Found(key, position, valueStart < 0)));
                    } catch (StateRecordCodec.MalformedRecordException e) {
                        throw new JournalCorruptionException(segment.path, position, e.getMessage());
                    }
                    addLastOfEachKey(inRecord, out);
                    return true;
                });
        return out;
    }

    /**
     * A record may change a key twice; only its last change counts. Most records hold a few operations (a C2D
     * completion: the message's delete and its delivery count's): those are compared pairwise, without a set (a map
     * reused across records once cost more to clear than all the rest of compaction, since a large relocation
     * record leaves it with a large table, and a set per record was a sixth of what compaction allocated).
     */
    private static void addLastOfEachKey(List<Found> inRecord, List<Found> out) {
        int n = inRecord.size();
        if (n == 1) {
            out.add(inRecord.get(0));
            return;
        }
        int from = out.size();
        Set<StateKey> later = n > FEW_OPERATIONS ? new HashSet<>(n * 2) : null;
        for (int i = n - 1; i >= 0; i--) {
            Found f = inRecord.get(i);
            if (later != null ? later.add(f.key()) : !changedLater(out, from, f.key())) {
                out.add(f);
            }
        }
        Collections.reverse(out.subList(from, out.size()));
    }

    private static boolean changedLater(List<Found> out, int from, StateKey key) {
        for (int i = from, n = out.size(); i < n; i++) {
            if (out.get(i).key().equals(key)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Appender: keeps the operations whose record is still the current one of their key; then has the
     * housekeeper scan on, or, at the end of the segment, read the values of the puts kept. What dies
     * meanwhile is dropped at relocation.
     */
    private void keepCurrent(Progress progress, List<Found> found) {
        StateSegment segment = progress.segment;
        if (found == null || segment.retired) {
            giveUp(segment);
            return;
        }
        StateIndex index = state.index();
        for (Found f : found) {
            if (!index.isCurrent(f.key(), segment, f.position())) {
                continue;
            }
            if (f.delete()) {
                progress.copies.add(new Copy(f.key(), f.position(), null));
            } else {
                progress.puts.add(new StateIndex.LivePut(f.key(), segment, f.position()));
            }
        }
        if (progress.next < progress.end) {
            onHousekeeper(segment, () -> scanAndHandBack(progress));
        } else {
            onHousekeeper(segment, () -> readAndHandBack(progress));
        }
    }

    /** Housekeeper: reads the values of the current puts, then hands everything to copy to the appender. */
    private void readAndHandBack(Progress progress) {
        boolean read = true;
        try {
            Map<StateKey, Long> positions = new HashMap<>(progress.puts.size() * 2);
            progress.puts.forEach(p -> positions.put(p.key(), p.position()));
            // puts of a segment reclaimed meanwhile come back unread: they all died, and relocate sees it retired
            values.read(progress.puts, (key, value) -> progress.copies.add(new Copy(key, positions.get(key), value)));
        } catch (RuntimeException e) {
            log.warn("Cannot read journal segment {} for compaction: {}", progress.segment.fileName(), e.toString());
            read = false;
        }
        List<Copy> result = read ? progress.copies : null;
        submit.accept(new ControlOp(() -> relocate(progress.segment, result), false));
    }

    /** Runs a compaction step on the housekeeper; when it is closing, the compaction ends here. */
    private void onHousekeeper(StateSegment segment, Runnable step) {
        try {
            housekeeper.execute(step);
        } catch (RejectedExecutionException closing) {
            inFlight = false;
            segment.compacting = false;
        }
    }

    /** Appender: the compaction of {@code segment} ends without a copy; it may be tried again later. */
    private void giveUp(StateSegment segment) {
        inFlight = false;
        if (!segment.retired) {
            segment.compacting = false;
            notBefore = System.nanoTime() + RETRY_DELAY_NANOS;
        }
    }

    /** Appender, at a pass boundary: queues copies of the still-current records into this pass. */
    private void relocate(StateSegment segment, List<Copy> found) {
        if (found == null || segment.retired) {
            giveUp(segment);
            return;
        }
        StateIndex index = state.index();
        int limit = Math.min(CHUNK_BYTES, options.maxRecordSize());
        WriteBatch chunk = new WriteBatch();
        long chunkBytes = RecordFormat.HEADER_SIZE + 4;
        int copies = 0;
        for (Copy c : found) {
            if (!index.isCurrent(c.key(), segment, c.position())) {
                continue;
            }
            WriteBatch.Op op = new WriteBatch.Op(c.key(), c.value());
            int size = StateRecordCodec.opSize(op);
            if (!chunk.isEmpty() && chunkBytes + size > limit) {
                addToPass.accept(new Relocation(chunk, segment));
                chunk = new WriteBatch();
                chunkBytes = RecordFormat.HEADER_SIZE + 4;
            }
            if (c.value() == null) {
                chunk.andDelete(c.key());
            } else {
                chunk.andPut(c.key(), c.value());
            }
            chunkBytes += size;
            copies++;
        }
        if (!chunk.isEmpty()) {
            addToPass.accept(new Relocation(chunk, segment));
        }
        if (copies == 0 && segment.live > 0) {
            // the index says records are current here that the file does not hold: never retry blindly
            log.error("Journal segment {} has {} live records the compactor could not find; it is left as is",
                    segment.fileName(), segment.live);
            inFlight = false;
            return;
        }
        relocating = segment;
    }
}
