package io.gatehouse.journal;

import io.gatehouse.core.store.EventRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write side of the events (appender thread only): the events of every partition go into one series of
 * shared files, in commit order, so a pass writes and forces one event file however many partitions it
 * carries. Each partition's records of a file are indexed in the partition's {@link EventSegment} of it.
 */
final class EventFileStream extends SegmentStream {

    private static final Logger log = LoggerFactory.getLogger(EventFileStream.class);

    private final EventPartition[] partitions;
    private final JournalStats.Counters stats;
    /** Each partition's segment of the current file, or null before its first record there. */
    private final EventSegment[] headSegments;
    private final List<EventFile> sealedInPass = new ArrayList<>(1);
    /** Per partition: the first and the last event applied in this pass and not yet published. */
    private final EventRecord[] firstApplied;
    private final EventAppend[] lastApplied;
    private final int[] touched;
    private int touchedCount;
    private int appliedInPass;

    EventFileStream(SegmentAllocator allocator, JournalOptions options, JournalStats.Counters stats,
                    EventPartition[] partitions) {
        super(allocator, options, SegmentHeader.StreamKind.SHARED_EVENTS, -1, stats);
        this.partitions = partitions;
        this.stats = stats;
        this.headSegments = new EventSegment[partitions.length];
        this.firstApplied = new EventRecord[partitions.length];
        this.lastApplied = new EventAppend[partitions.length];
        this.touched = new int[partitions.length];
    }

    /** Recovery: writing continues at the end of {@code file}; its partitions' segments continue with it. */
    void resume(EventFile file) {
        super.resume(file);
        for (EventSegment s : file.segments) {
            headSegments[s.partition] = s;
        }
    }

    @Override
    protected Segment newSegment(SegmentAllocator.Activation activation) {
        Arrays.fill(headSegments, null);
        return EventFile.shared(activation.id(), activation.path(), activation.channel(), SegmentHeader.SIZE,
                allocator.files());
    }

    @Override
    protected void onSealed(Segment segment) {
        sealedInPass.add((EventFile) segment);
    }

    void encode(EventAppend op) {
        EventRecord record = op.record;
        int size = RecordFormat.PARTITION_EVENT_PAYLOAD + record.payload().length;
        int start = reserve(op, size);
        if (start < 0) {
            return;
        }
        ByteBuffer buf = buffer();
        RecordFormat.writeHeader(buf, start, RecordFormat.PARTITION_EVENT, head.id, record.sequenceNumber());
        buf.putLong(start + RecordFormat.EVENT_OFFSET, record.offset());
        buf.putLong(start + RecordFormat.EVENT_TIME, record.enqueuedTimeMillis());
        buf.putInt(start + RecordFormat.EVENT_PARTITION, op.partition);
        buf.put(start + RecordFormat.PARTITION_EVENT_PAYLOAD, record.payload());
        RecordFormat.finish(buf, view(), crc, start, size);
        added(op, start, size);
        op.eventSegment = headSegment(op.partition);
    }

    /** The partition's segment of the current file; readers learn of it at once, but see no record before it is durable. */
    private EventSegment headSegment(int partition) {
        EventSegment s = headSegments[partition];
        if (s == null) {
            s = ((EventFile) head).segmentOf(partition);
            headSegments[partition] = s;
            partitions[partition].addSegment(s);
        }
        return s;
    }

    /**
     * The event is durable: index it. Readers see it once {@link #afterApply} publishes the pass's last event
     * of each partition's segment (one set of volatile writes per segment and pass, not per event).
     */
    void apply(EventAppend op) {
        int p = op.partition;
        EventAppend last = lastApplied[p];
        if (last == null) {
            touched[touchedCount++] = p;
        } else if (last.eventSegment != op.eventSegment) {
            publish(p);
        }
        EventRecord record = op.record;
        op.segment.durableEnd = op.position + op.length; // where a seal goes should a later write fail
        op.eventSegment.index(record.sequenceNumber(), record.offset(), record.enqueuedTimeMillis(), op.position,
                options.indexIntervalBytes());
        if (firstApplied[p] == null) {
            firstApplied[p] = record;
        }
        lastApplied[p] = op;
        appliedInPass++;
    }

    /**
     * Publishes the pass's events; a file sealed in this pass is final now: its segments become complete
     * (retention may take them) and the writer lets go of it.
     */
    @Override
    void afterApply() {
        for (int i = 0; i < touchedCount; i++) {
            publish(touched[i]);
        }
        touchedCount = 0;
        for (EventFile file : sealedInPass) {
            for (EventSegment s : file.segments) {
                s.complete = true;
            }
            if (file.letGo()) {
                releaseUnused(file);
            }
        }
        sealedInPass.clear();
        if (appliedInPass > 0) {
            stats.events(appliedInPass);
            appliedInPass = 0;
        }
    }

    private void publish(int partition) {
        EventAppend op = lastApplied[partition];
        if (op == null) {
            return;
        }
        lastApplied[partition] = null;
        EventRecord record = op.record;
        op.eventSegment.published(record.sequenceNumber(), record.offset(), record.enqueuedTimeMillis(),
                op.position + op.length);
        partitions[partition].published(firstApplied[partition], record);
        firstApplied[partition] = null;
    }

    /** A file sealed without any partition's record (a failed first write): nothing to keep. */
    private void releaseUnused(EventFile file) {
        file.retire();
        try {
            allocator.release(file);
        } catch (IOException e) {
            log.warn("Cannot remove empty journal segment {}: {}", file.fileName(), e.toString());
        }
    }
}
