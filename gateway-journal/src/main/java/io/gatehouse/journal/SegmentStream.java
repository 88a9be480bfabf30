package io.gatehouse.journal;

import io.gatehouse.core.store.StoreException;
import io.gatehouse.journal.SegmentHeader.StreamKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write side of one stream of segments (the state stream, or the events), driven by the
 * appender one pass at a time: records are encoded into a buffer, written with one write per pass, forced
 * once, and only then count as durable.
 *
 * <p>Rolling: when a record does not fit, the segment gets a seal record, is written and forced, and a new
 * segment (header forced before it is named) takes over; so a segment before the last of its stream always
 * ends with a seal and holds only durable records.
 *
 * <p>Failure: when a write or force fails, the records of this pass that are not known durable fail, and the
 * segment is sealed at its last durable record before anything else is written (retried on every later
 * pass until it works); writing continues in a new segment. What was durable before is never touched.
 */
abstract class SegmentStream {

    private static final Logger log = LoggerFactory.getLogger(SegmentStream.class);
    /** After each pass's records: a zero length field, so the next read stops cleanly where writing stopped. */
    private static final int TERMINATOR = 4;

    protected final SegmentAllocator allocator;
    protected final JournalOptions options;
    private final boolean durable;
    private final StreamKind kind;
    private final int partition;
    private final JournalStats.Counters stats;
    protected final CRC32C crc = new CRC32C();

    protected Segment head;
    private long previousId;
    private ByteBuffer buffer;
    private ByteBuffer view;
    /** File position (in {@link #head}) of the buffer's first byte. */
    private long bufferStart;
    private final ArrayList<PendingOp> passOps = new ArrayList<>();
    /** The first this-many operations of {@link #passOps} are durable already (forced when a segment rolled). */
    private int durableOps;
    private StoreException failure;
    private boolean sealPending;
    private boolean failing;
    private boolean wroteHead;
    /** Appender bookkeeping: listed among this pass's streams. */
    boolean inPass;
    private volatile Executor housekeeper;
    private final AtomicReference<SegmentAllocator.Activation> prepared = new AtomicReference<>();
    private final AtomicBoolean preparing = new AtomicBoolean();

    SegmentStream(SegmentAllocator allocator, JournalOptions options, StreamKind kind, int partition,
                  JournalStats.Counters stats) {
        this.allocator = allocator;
        this.options = options;
        this.durable = options.sync().isDurable();
        this.kind = kind;
        this.partition = partition;
        this.stats = stats;
        allocateBuffer(256 * 1024);
    }

    /** Creates the stream's object for a segment just activated, and registers it where it belongs. */
    protected abstract Segment newSegment(SegmentAllocator.Activation activation);

    /** A segment was sealed: it will never change again (its records of this pass are not applied yet). */
    protected abstract void onSealed(Segment segment);

    /** After the pass's durable records are applied. */
    void afterApply() {
    }

    /**
     * From now on, the next segment is prepared in the background while the current one fills (header forced,
     * file named, directory synced), so a roll costs the appender only the seal's force.
     */
    void prepareAhead(Executor housekeeper) {
        this.housekeeper = housekeeper;
        if (head != null) {
            requestNext(); // a stream that never wrote keeps no file in reserve
        }
    }

    /** Recovery: an empty segment already named for this stream, to be its next. */
    void adoptPrepared(SegmentAllocator.Activation activation) {
        prepared.set(activation);
    }

    /** Closing: the prepared segment stays on disk (recovery adopts it again); its file is closed. */
    void closePrepared() {
        SegmentAllocator.Activation activation = prepared.getAndSet(null);
        if (activation != null) {
            try {
                activation.channel().close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** Recovery: continue writing at the end of {@code segment}, the stream's last, unsealed segment. */
    void resume(Segment segment) {
        head = segment;
        previousId = segment.id;
        bufferStart = segment.writePosition;
    }

    /** Recovery: the stream's last segment is sealed (or there is none); the next record starts a new one. */
    void resumeSealed(long lastSegmentId) {
        head = null;
        previousId = lastSegmentId;
    }

    Segment head() {
        return head;
    }

    protected ByteBuffer buffer() {
        return buffer;
    }

    protected ByteBuffer view() {
        return view;
    }

    /**
     * Makes room for a record of {@code size} bytes in the current segment (sealing a failed segment,
     * starting a first one or rolling as needed); returns the buffer offset to encode it at, or -1 when the
     * operation failed (its failure is set).
     */
    protected final int reserve(PendingOp op, long size) {
        if (failure != null) {
            op.failWith(failure);
            return -1;
        }
        if (size > options.maxRecordSize()) {
            op.failWith(new StoreException("a record of " + size + " bytes does not fit in a journal segment (at most "
                    + options.maxRecordSize() + " bytes)"));
            return -1;
        }
        try {
            if (sealPending) {
                sealAfterFailure();
            }
            if (head == null) {
                activate();
            }
            if (bufferStart + buffer.position() + size + RecordFormat.SEAL_SIZE > options.segmentSize()) {
                roll();
            }
        } catch (IOException e) {
            fail(e);
            op.failWith(failure);
            return -1;
        }
        ensureRoom((int) size + RecordFormat.SEAL_SIZE);
        return buffer.position();
    }

    /** The record of {@code op} was encoded at buffer offset {@code start}. */
    protected final void added(PendingOp op, int start, int length) {
        op.segment = head;
        op.position = bufferStart + start;
        op.length = length;
        buffer.position(start + length);
        passOps.add(op);
        wroteHead = true;
    }

    /** Writes this pass's records with one write (plus a terminator that later writes overwrite). */
    void flush() {
        if (failure != null || buffer.position() == 0) {
            return;
        }
        try {
            int records = buffer.position();
            buffer.putInt(0);
            buffer.flip();
            head.channel.writeFully(buffer, bufferStart);
            stats.bytesWritten(records);
            bufferStart += records;
            buffer.clear();
        } catch (IOException e) {
            fail(e);
        }
    }

    /** Forces the current segment when this pass wrote to it. */
    void force() {
        if (failure != null || !wroteHead || !durable) {
            return;
        }
        try {
            head.channel.force(false);
            stats.force();
        } catch (IOException e) {
            fail(e);
        }
    }

    /** Settles the pass: failed operations get the failure; the stream is ready for the next pass. */
    void finishPass() {
        if (failure != null) {
            for (int i = durableOps; i < passOps.size(); i++) {
                passOps.get(i).failWith(failure);
            }
            if (head != null) {
                sealPending = true;
            }
        } else if (head != null) {
            head.writePosition = bufferStart;
            if (failing) {
                failing = false;
                log.info("Journal writes to {} succeed again", head.fileName());
            }
        }
        passOps.clear();
        durableOps = 0;
        failure = null;
        wroteHead = false;
        buffer.clear();
        inPass = false;
    }

    private void roll() throws IOException {
        Segment old = head;
        int sealAt = buffer.position();
        ensureRoom(RecordFormat.SEAL_SIZE);
        RecordFormat.appendSeal(buffer, view, crc, old.id);
        buffer.flip();
        old.channel.writeFully(buffer, bufferStart);
        stats.bytesWritten(buffer.limit());
        buffer.clear();
        if (durable) {
            old.channel.force(false);
            stats.force();
        }
        old.writePosition = bufferStart + sealAt;
        durableOps = passOps.size();
        head = null;
        wroteHead = false;
        old.sealed = true;
        onSealed(old);
        activate();
    }

    private void activate() throws IOException {
        SegmentAllocator.Activation activation = prepared.getAndSet(null);
        if (activation != null && activation.id() <= previousId) {
            // prepared before a segment this stream had to start on demand: ids must grow along the stream
            allocator.release(activation);
            activation = null;
        }
        if (activation == null) {
            activation = allocator.activate(kind, partition, previousId);
        }
        previousId = activation.id();
        bufferStart = SegmentHeader.SIZE;
        buffer.clear();
        head = newSegment(activation);
        stats.segmentActivated();
        requestNext();
    }

    private void requestNext() {
        Executor executor = housekeeper;
        if (executor == null || prepared.get() != null || !preparing.compareAndSet(false, true)) {
            return;
        }
        long previous = previousId;
        try {
            executor.execute(() -> {
                try {
                    prepared.set(allocator.activate(kind, partition, previous));
                } catch (IOException e) {
                    log.debug("Cannot prepare the next segment ({}): {}", describe(), e.toString());
                } finally {
                    preparing.set(false);
                }
            });
        } catch (RejectedExecutionException closing) {
            preparing.set(false);
        }
    }

    private void sealAfterFailure() throws IOException {
        Segment s = head;
        long at = s.durableEnd;
        ByteBuffer seal = ByteBuffer.allocateDirect(RecordFormat.SEAL_SIZE);
        RecordFormat.appendSeal(seal, seal.duplicate(), crc, s.id);
        seal.flip();
        s.channel.writeFully(seal, at);
        if (durable) {
            s.channel.force(false);
            stats.force();
        }
        s.writePosition = at;
        sealPending = false;
        head = null;
        s.sealed = true;
        onSealed(s);
    }

    private void fail(IOException e) {
        String file = head == null ? "a new segment" : head.fileName();
        failure = new StoreException("cannot write the journal (" + describe() + ", " + file + "): " + e.getMessage(), e);
        if (!failing) {
            failing = true;
            log.warn("Journal write failed ({}, {}): {}. Affected operations fail; writing resumes in a new segment "
                    + "as soon as the disk allows", describe(), file, e.toString());
        }
    }

    private String describe() {
        return switch (kind) {
            case STATE -> "state";
            case EVENTS -> "event partition " + partition;
            case SHARED_EVENTS -> "events";
        };
    }

    private void ensureRoom(int n) {
        int need = n + TERMINATOR;
        if (buffer.remaining() >= need) {
            return;
        }
        ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(buffer.capacity() * 2, buffer.position() + need));
        buffer.flip();
        bigger.put(buffer);
        buffer = bigger;
        view = bigger.duplicate();
    }

    private void allocateBuffer(int capacity) {
        buffer = ByteBuffer.allocateDirect(capacity);
        view = buffer.duplicate();
    }
}
