package io.gatehouse.core.store.journal;

import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.journal.SegmentHeader.StreamKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** The write side of one event partition (appender thread only). */
final class PartitionStream extends SegmentStream {

    private final EventPartition partition;
    private final JournalStats.Counters stats;
    private final List<EventSegment> sealedInPass = new ArrayList<>(1);

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
        for (EventSegment segment : sealedInPass) {
            segment.complete = true;
        }
        sealedInPass.clear();
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

    /** The event is durable: index it and make it readable. */
    void apply(EventAppend op) {
        EventRecord record = op.record;
        ((EventSegment) op.segment).appended(record.sequenceNumber(), record.offset(), record.enqueuedTimeMillis(),
                op.position, op.length, options.indexIntervalBytes());
        partition.published(record);
        stats.event();
    }
}
