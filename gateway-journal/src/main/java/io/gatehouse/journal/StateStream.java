package io.gatehouse.journal;

import io.gatehouse.core.store.StoreException;
import io.gatehouse.core.store.WriteBatch;
import io.gatehouse.journal.SegmentHeader.StreamKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state stream: every {@link WriteBatch} becomes one record; the {@link StateIndex} follows once the
 * record is durable; segments with nothing live left are reclaimed (their file recycled as a spare).
 * Appender thread only.
 */
final class StateStream extends SegmentStream {

    private static final Logger log = LoggerFactory.getLogger(StateStream.class);

    private final StateIndex index;
    private final JournalStats.Counters stats;
    private long nextSequence;
    private int appliedInPass;
    private Executor reclaimer;
    private Consumer<ControlOp> submit;

    StateStream(SegmentAllocator allocator, JournalOptions options, JournalStats.Counters stats, StateIndex index,
                long nextSequence) {
        super(allocator, options, StreamKind.STATE, -1, stats);
        this.index = index;
        this.stats = stats;
        this.nextSequence = nextSequence;
    }

    StateIndex index() {
        return index;
    }

    @Override
    protected Segment newSegment(SegmentAllocator.Activation activation) {
        StateSegment segment = new StateSegment(activation.id(), activation.path(), activation.channel(),
                SegmentHeader.SIZE);
        index.addSegment(segment);
        return segment;
    }

    @Override
    protected void onSealed(Segment segment) {
        index.sealed((StateSegment) segment);
    }

    /** Encodes the batch as one record of this pass. */
    void encode(StateWrite op) {
        List<WriteBatch.Op> ops = op.batch.ops();
        int[] sizes = new int[ops.size()];
        long size;
        try {
            size = StateRecordCodec.recordSize(ops, sizes);
        } catch (IllegalArgumentException e) {
            op.failWith(new StoreException(e.getMessage()));
            return;
        }
        int start = reserve(op, size);
        if (start < 0) {
            return;
        }
        ByteBuffer buf = buffer();
        RecordFormat.writeHeader(buf, start, RecordFormat.STATE, head.id, nextSequence++);
        buf.position(start + RecordFormat.HEADER_SIZE);
        StateRecordCodec.encodeOps(buf, ops);
        RecordFormat.finish(buf, view(), crc, start, (int) size);
        op.opSizes = sizes;
        added(op, start, (int) size);
    }

    /** The record of {@code op} is durable: the index follows. */
    void apply(StateWrite op) {
        StateSegment segment = (StateSegment) op.segment;
        List<WriteBatch.Op> ops = op.batch.ops();
        for (int i = 0, n = ops.size(); i < n; i++) {
            WriteBatch.Op o = ops.get(i);
            if (op.isRelocation()) {
                index.relocate(o.key(), segment, op.position, op.opSizes[i]);
            } else if (o.isDelete()) {
                index.delete(o.key(), segment, op.position, op.opSizes[i]);
            } else {
                index.put(o.key(), segment, op.position, op.opSizes[i]);
            }
        }
        segment.durableEnd = op.position + op.length;
        appliedInPass++;
    }

    @Override
    void afterApply() {
        if (appliedInPass > 0) {
            stats.stateRecords(appliedInPass);
            appliedInPass = 0;
        }
    }

    /**
     * Hands the sealed segments in which nothing is live any more to the housekeeper, which recycles their
     * files and syncs the directory off the appender thread. Runs after the pass that made them dead is
     * durable; only once their removal is durable may the tombstones that waited for them die.
     */
    void reclaim() {
        List<StateSegment> emptied = index.drainEmptied();
        if (emptied.isEmpty()) {
            return;
        }
        emptied.forEach(index::abandon); // out of use at once; the tombstones waiting for them stay for now
        Executor executor = reclaimer;
        if (executor == null) {
            List<StateSegment> gone = remove(emptied);
            gone.forEach(index::segmentDeleted);
            reclaim();
            return;
        }
        try {
            executor.execute(() -> {
                List<StateSegment> gone = remove(emptied);
                submit.accept(new ControlOp(() -> {
                    gone.forEach(index::segmentDeleted);
                    reclaim();
                }, false));
            });
        } catch (RejectedExecutionException closing) {
            // the store is closing: the files stay, and the next open reclaims them
        }
    }

    /** Reclaim in the background from now on ({@code submit} queues work for the appender). */
    void reclaimWith(Executor housekeeper, Consumer<ControlOp> submit) {
        this.reclaimer = housekeeper;
        this.submit = submit;
    }

    /** Recycles the files; returns the segments whose removal is durable. */
    private List<StateSegment> remove(List<StateSegment> segments) {
        List<StateSegment> released = new ArrayList<>(segments.size());
        for (StateSegment segment : segments) {
            try {
                allocator.release(segment);
                released.add(segment);
                stats.segmentReclaimed();
            } catch (IOException e) {
                log.warn("Cannot remove reclaimed journal segment {}: {}", segment.fileName(), e.toString());
            }
        }
        try {
            allocator.syncDirectory();
            return released;
        } catch (IOException e) {
            log.warn("Cannot sync the journal directory after reclaiming segments: {}", e.toString());
            return List.of(); // not sure they are gone: the tombstones that wait for them must stay
        }
    }
}
