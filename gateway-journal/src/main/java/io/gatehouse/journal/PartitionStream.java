package io.gatehouse.journal;

import io.gatehouse.core.store.EventRecord;
import io.gatehouse.journal.SegmentHeader.StreamKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** The write side of one event partition (appender thread only). */
final class PartitionStream extends SegmentStream {

    private final EventPartition partition;
    private final JournalStats.Counters stats;
    private final List<EventSegment> sealedInPass = new ArrayList<>(1);
    private EventAppend lastApplied;
    private EventRecord firstApplied;
    private int appliedInPass;

    PartitionStream(SegmentAllocator allocator, JournalOptions options, JournalStats.Counters stats,
                    EventPartition partition) {
        super(allocator, options, StreamKind.EVENTS, partition.index, stats);
        this.partition = partition;
        this.stats = stats;
    }

    @Override
    protected Segment newSegment(SegmentAllocator.Activation activation) {
        EventSegment segment = new EventSegment(activation.id(), activation.path(), activation.channel(),
                SegmentHeader.SIZE, allocator.files());
        partition.addSegment(segment);
        return segment;
    }

    @Override
    protected void onSealed(Segment segment) {
        if (segment.writePosition == SegmentHeader.SIZE) {
            partition.dropEmpty((EventSegment) segment);
        } else {
            sealedInPass.add((EventSegment) segment);
        }
    }

    /**
     * Retention may take a sealed segment only once its last records are applied: before that, its last time
     * and sequence number would not yet show them.
     */
    @Override
    void afterApply() {
        publishApplied();
        for (EventSegment segment : sealedInPass) {
            segment.complete = true;
        }
        sealedInPass.clear();
        if (appliedInPass > 0) {
            stats.events(appliedInPass);
            appliedInPass = 0;
        }
    }

    void encode(EventAppend op) {
        EventRecord record = op.record;
        int size = RecordFormat.EVENT_PAYLOAD + record.payload().length;
        int start = reserve(op, size);
        if (start < 0) {
            return;
        }
        ByteBuffer buf = buffer();
        RecordFormat.writeHeader(buf, start, RecordFormat.EVENT, head.id, record.sequenceNumber());
        buf.putLong(start + RecordFormat.EVENT_OFFSET, record.offset());
        buf.putLong(start + RecordFormat.EVENT_TIME, record.enqueuedTimeMillis());
        buf.put(start + RecordFormat.EVENT_PAYLOAD, record.payload());
        RecordFormat.finish(buf, view(), crc, start, size);
        added(op, start, size);
    }

    /**
     * The event is durable: index it. Readers see it once {@link #afterApply} publishes the pass's last event
     * of each segment (one set of volatile writes per pass, not per event).
     */
    void apply(EventAppend op) {
        EventRecord record = op.record;
        EventSegment segment = (EventSegment) op.segment;
        if (lastApplied != null && lastApplied.segment != segment) {
            publishApplied();
        }
        segment.index(record.sequenceNumber(), record.offset(), record.enqueuedTimeMillis(), op.position,
                options.indexIntervalBytes());
        if (firstApplied == null) {
            firstApplied = record;
        }
        lastApplied = op;
        appliedInPass++;
    }

    private void publishApplied() {
        EventAppend op = lastApplied;
        if (op == null) {
            return;
        }
        lastApplied = null;
        EventRecord record = op.record;
        ((EventSegment) op.segment).published(record.sequenceNumber(), record.offset(), record.enqueuedTimeMillis(),
                op.position + op.length);
        partition.published(firstApplied, record);
        firstApplied = null;
    }
}
