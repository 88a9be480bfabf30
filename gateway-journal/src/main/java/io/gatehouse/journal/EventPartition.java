package io.gatehouse.journal;

import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side of one event partition: its segments (its parts of the event files) in order (a copy-on-write array, so readers never
 * lock), the first and last durable events, lookups by sequence number, offset and time (binary search over
 * segments, then over a segment's sparse index, then a short scan), and retention by whole segments.
 * The appender adds segments and publishes durable events; readers and retention run on any other thread.
 */
final class EventPartition {

    private static final Logger log = LoggerFactory.getLogger(EventPartition.class);
    private static final ThreadLocal<RecordReader> READERS = ThreadLocal.withInitial(() -> new RecordReader(64 * 1024));
    private static final int READ_ATTEMPTS = 8;

    final int index;
    /** The highest sequence number handed to the appender: appends must increase. */
    final AtomicLong lastAccepted = new AtomicLong(-1);
    private final SegmentAllocator allocator;
    private final JournalOptions options;
    private final JournalStats.Counters stats;
    private final Object segmentsLock = new Object();
    private final Object retentionLock = new Object();
    private volatile EventSegment[] segments = new EventSegment[0];
    private volatile EventRecord first;
    private volatile EventRecord last;

    EventPartition(int index, SegmentAllocator allocator, JournalOptions options, JournalStats.Counters stats) {
        this.index = index;
        this.allocator = allocator;
        this.options = options;
        this.stats = stats;
    }

    // ------------------------------------------------------------ appender and recovery side

    void addSegment(EventSegment segment) {
        synchronized (segmentsLock) {
            EventSegment[] now = segments;
            EventSegment[] next = Arrays.copyOf(now, now.length + 1);
            next[now.length] = segment;
            segments = next;
        }
    }

    /**
     * Events up to {@code newest} are durable and readable (appender, after the force; before their futures
     * complete). {@code oldestOfThem} becomes the first event when the partition had none.
     */
    void published(EventRecord oldestOfThem, EventRecord newest) {
        if (first == null) {
            first = oldestOfThem;
        }
        last = newest;
    }

    /** Recovery: the oldest and newest events found. */
    void recovered(EventRecord oldest, EventRecord newest) {
        first = oldest;
        last = newest;
        lastAccepted.set(newest == null ? -1 : newest.sequenceNumber());
    }

    EventSegment[] segments() {
        return segments;
    }

    // ------------------------------------------------------------ reads (any thread)

    EventRecord first() {
        return first;
    }

    EventRecord last() {
        return last;
    }

    List<EventRecord> read(long fromSequence, int maxEvents) {
        if (maxEvents <= 0) {
            return List.of();
        }
        return retrying(() -> {
            List<EventRecord> out = new ArrayList<>(Math.min(maxEvents, 256));
            EventSegment[] segs = segments;
            for (int i = firstEndingAtOrAfter(segs, fromSequence, Field.SEQUENCE); i < segs.length && out.size() < maxEvents; i++) {
                EventSegment s = segs[i];
                long end = s.durableEnd;
                long start = s.index.floorBySequence(fromSequence);
                scan(s, start < 0 ? s.firstPosition() : start, end, (position, buf, at, length) -> {
                    if (buf.getLong(at + RecordFormat.SEQUENCE) >= fromSequence) {
                        out.add(decode(buf, at, length));
                    }
                    return out.size() < maxEvents;
                });
            }
            return out;
        });
    }

    long sequenceAtOffset(long offset) {
        return retrying(() -> firstWhere(offset, Field.OFFSET));
    }

    long sequenceAtTime(long epochMillis) {
        return retrying(() -> firstWhere(epochMillis, Field.TIME));
    }

    /** Deletes whole segments whose every event is older than {@code cutoff}, never the newest event's. */
    void removeBefore(long cutoff) {
        synchronized (retentionLock) {
            EventRecord newest = last;
            EventSegment[] segs = segments;
            if (newest == null) {
                return;
            }
            int k = 0;
            while (k < segs.length - 1 && segs[k].complete && segs[k].lastTime < cutoff
                    && segs[k].lastSequence < newest.sequenceNumber()) {
                k++;
            }
            if (k == 0) {
                return;
            }
            int cut = k;
            EventRecord newFirst = retrying(() -> firstRecordFrom(segs, cut));
            List<EventSegment> removed = Arrays.asList(Arrays.copyOf(segs, cut));
            synchronized (segmentsLock) {
                EventSegment[] now = segments;
                segments = Arrays.copyOfRange(now, cut, now.length);
                first = newFirst;
            }
            for (EventSegment s : removed) {
                releaseFileOf(s);
            }
            try {
                allocator.syncDirectory();
            } catch (IOException e) {
                log.warn("Cannot sync the journal directory after retention: {}", e.toString());
            }
        }
    }

    /** The partition no longer needs {@code segment}: its file goes when no other partition (nor the writer) holds it. */
    private void releaseFileOf(EventSegment segment) {
        EventFile file = segment.file;
        if (!file.letGo()) {
            return;
        }
        file.retire();
        try {
            allocator.release(file);
            stats.segmentReclaimed();
        } catch (IOException e) {
            log.warn("Cannot remove expired journal segment {}: {}", file.fileName(), e.toString());
        }
    }

    // ------------------------------------------------------------ internals

    private enum Field { SEQUENCE, OFFSET, TIME }

    private interface Attempt<T> {
        T run() throws IOException;
    }

    /** Runs a read; a segment removed by retention meanwhile (its channel closed) means: look again. */
    private <T> T retrying(Attempt<T> attempt) {
        for (int i = 1; ; i++) {
            try {
                return attempt.run();
            } catch (ClosedChannelException e) {
                if (i >= READ_ATTEMPTS) {
                    throw new StoreException("cannot read event partition " + index + ": " + e, e);
                }
                READERS.get().invalidate();
            } catch (IOException e) {
                throw new StoreException("cannot read event partition " + index + ": " + e.getMessage(), e);
            }
        }
    }

    private EventRecord firstRecordFrom(EventSegment[] segs, int from) throws IOException {
        for (int i = from; i < segs.length; i++) {
            EventSegment s = segs[i];
            if (!s.isEmpty()) {
                EventRecord[] found = new EventRecord[1];
                scan(s, s.firstPosition(), s.durableEnd, (position, buf, at, length) -> {
                    found[0] = decode(buf, at, length);
                    return false;
                });
                return found[0];
            }
        }
        return null;
    }

    private long firstWhere(long value, Field field) throws IOException {
        EventSegment[] segs = segments;
        for (int i = firstEndingAtOrAfter(segs, value, field); i < segs.length; i++) {
            EventSegment s = segs[i];
            long start = field == Field.OFFSET ? s.index.lastBeforeOffset(value) : s.index.lastBeforeTime(value);
            long[] found = {-1};
            scan(s, start < 0 ? s.firstPosition() : start, s.durableEnd, (position, buf, at, length) -> {
                long v = buf.getLong(at + (field == Field.OFFSET ? RecordFormat.EVENT_OFFSET : RecordFormat.EVENT_TIME));
                if (v >= value) {
                    found[0] = buf.getLong(at + RecordFormat.SEQUENCE);
                    return false;
                }
                return true;
            });
            if (found[0] >= 0) {
                return found[0];
            }
        }
        return -1;
    }

    /** The first segment whose last durable value of {@code field} is >= {@code value}; an empty one counts as +inf. */
    private static int firstEndingAtOrAfter(EventSegment[] segs, long value, Field field) {
        int lo = 0;
        int hi = segs.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            EventSegment s = segs[mid];
            long last = s.isEmpty() ? Long.MAX_VALUE
                    : field == Field.SEQUENCE ? s.lastSequence : field == Field.OFFSET ? s.lastOffset : s.lastTime;
            if (last < value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Visits this partition's records of {@code segment} in [from, to); other partitions' records are skipped. */
    private void scan(EventSegment segment, long from, long to, RecordReader.Visitor visitor) throws IOException {
        if (from >= to) {
            return;
        }
        RecordReader reader = READERS.get();
        EventFile file = segment.file;
        JournalChannel channel = file.readChannel();
        try {
            reader.readRange(file, channel, from, to, options.maxRecordSize(), (position, buf, at, length) ->
                    !file.holds(buf, at, index) || visitor.record(position, buf, at, length));
        } catch (ClosedChannelException e) {
            reader.invalidate();
            file.resetReadChannel(channel);
            throw e;
        }
    }

    static EventRecord decode(ByteBuffer buf, int at, int length) {
        int payloadStart = RecordFormat.eventPayloadStart(buf, at);
        byte[] payload = new byte[at + length - payloadStart];
        buf.get(payloadStart, payload);
        return new EventRecord(buf.getLong(at + RecordFormat.SEQUENCE), buf.getLong(at + RecordFormat.EVENT_OFFSET),
                buf.getLong(at + RecordFormat.EVENT_TIME), payload);
    }
}
