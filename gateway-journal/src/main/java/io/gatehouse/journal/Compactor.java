package io.gatehouse.journal;

import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.WriteBatch;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts mostly dead state segments: the housekeeper reads the segment; at the next pass boundary the
 * appender copies the records that are still current (live puts and the tombstones that must stay) to the
 * head of the stream; once that copy is durable the old segment has nothing live and is reclaimed. One
 * compaction at a time, so it never competes much with the writers.
 */
final class Compactor {

    private static final Logger log = LoggerFactory.getLogger(Compactor.class);
    private static final long RETRY_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int CHUNK_BYTES = 1 << 20;

    /** A record found in the segment: the last operation on a key within one record. */
    record Candidate(StateKey key, byte[] value, long position) {
    }

    private final StateStream state;
    private final JournalOptions options;
    private final Executor housekeeper;
    private final Consumer<ControlOp> submit;
    private final Consumer<StateWrite> addToPass;
    private final JournalStats.Counters stats;
    private final RecordReader reader;
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
                s.compacting = false; // the copy failed (or was partial): try again later
                notBefore = System.nanoTime() + RETRY_DELAY_NANOS;
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
        long end = candidate.writePosition;
        try {
            housekeeper.execute(() -> readAndHandBack(candidate, end));
        } catch (RejectedExecutionException closing) {
            inFlight = false;
            candidate.compacting = false;
        }
    }

    /** Housekeeper: reads the segment, then asks the appender to relocate what is still current. */
    private void readAndHandBack(StateSegment segment, long end) {
        List<Candidate> found;
        try {
            found = read(segment, end);
        } catch (ClosedChannelException e) {
            found = null; // every record in it died meanwhile and it was reclaimed: nothing left to do
        } catch (IOException | RuntimeException e) {
            log.warn("Cannot read journal segment {} for compaction: {}", segment.fileName(), e.toString());
            found = null;
        }
        List<Candidate> result = found;
        submit.accept(new ControlOp(() -> relocate(segment, result), false));
    }

    private List<Candidate> read(StateSegment segment, long end) throws IOException {
        List<Candidate> out = new ArrayList<>();
        byte[] deleted = new byte[0];
        reader.invalidate();
        reader.readRange(segment, segment.channel, SegmentHeader.SIZE, end, options.maxRecordSize(),
                (position, buf, start, length) -> {
                    if (buf.get(start + RecordFormat.TYPE) != RecordFormat.STATE) {
                        return true;
                    }
                    // a fresh map per record: clearing one that a large record grew costs its whole table each time
                    Map<StateKey, byte[]> lastInRecord = new LinkedHashMap<>();
                    try {
                        StateRecordCodec.decode(buf, start, length, (key, b, valueStart, valueLength, size) ->
                                lastInRecord.put(key, valueStart < 0 ? deleted : StateRecordCodec.value(b, valueStart, valueLength)));
                    } catch (StateRecordCodec.MalformedRecordException e) {
                        throw new JournalCorruptionException(segment.path, position, e.getMessage());
                    }
                    lastInRecord.forEach((key, value) -> out.add(new Candidate(key, value == deleted ? null : value, position)));
                    return true;
                });
        return out;
    }

    /** Appender, at a pass boundary: queues copies of the still-current records into this pass. */
    void relocate(StateSegment segment, List<Candidate> found) {
        if (found == null || segment.retired) {
            inFlight = false;
            if (!segment.retired) {
                segment.compacting = false;
                notBefore = System.nanoTime() + RETRY_DELAY_NANOS;
            }
            return;
        }
        StateIndex index = state.index();
        int limit = Math.min(CHUNK_BYTES, options.maxRecordSize());
        WriteBatch chunk = new WriteBatch();
        long chunkBytes = RecordFormat.HEADER_SIZE + 4;
        int copies = 0;
        for (Candidate c : found) {
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
