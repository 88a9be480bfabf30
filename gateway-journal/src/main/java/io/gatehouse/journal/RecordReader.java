package io.gatehouse.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Reads records out of a segment file through a sliding window buffer, checking each one: plausible
 * length, the segment's own id, checksum. Not thread-safe: one per thread.
 */
final class RecordReader {

    /** What {@link #check} found at a position. */
    enum Status { VALID, END, INVALID }

    /** Gets each record of a range; returns false to stop. The record is at {@code start} of {@code buf} (absolute). */
    interface Visitor {
        boolean record(long position, ByteBuffer buf, int start, int length) throws IOException;
    }

    private ByteBuffer buf;
    private ByteBuffer view;
    /** The most bytes a read takes beyond those asked for. */
    private int readAhead;
    private final CRC32C crc = new CRC32C();
    private JournalChannel windowChannel;
    private long windowStart;
    private int windowLength;
    /** Set by {@link #check}: the record's length when VALID, or why it is INVALID. */
    int checkedLength;
    String invalidReason;

    /** A reader that reads ahead as far as its buffer allows (see {@link #readAhead(int)}). */
    RecordReader(int capacity) {
        this.readAhead = Integer.MAX_VALUE;
        allocate(capacity);
    }

    /** From now on reads take at most {@code bytes} beyond those asked for (at most the buffer's capacity). */
    void readAhead(int bytes) {
        readAhead = bytes;
    }

    int capacity() {
        return buf.capacity();
    }

    ByteBuffer buffer() {
        return buf;
    }

    /**
     * Makes file bytes [position, position + n) available in the buffer, reading ahead as far as the buffer,
     * the read-ahead and {@code limit} allow. Returns the buffer offset of {@code position}, or -1 when the file ends first.
     */
    int window(JournalChannel channel, long position, int n, long limit) throws IOException {
        if (channel == windowChannel && position >= windowStart && position + n <= windowStart + windowLength) {
            return (int) (position - windowStart);
        }
        if (n > buf.capacity()) {
            allocate(Integer.highestOneBit(n - 1) << 1);
        }
        windowChannel = null;
        int want = (int) Math.max(n, Math.min(Math.min(buf.capacity(), readAhead), limit - position));
        buf.clear().limit(want);
        int read = 0;
        while (read < want) {
            int r = channel.read(buf, position + read);
            if (r < 0) {
                break;
            }
            read += r;
        }
        windowChannel = channel;
        windowStart = position;
        windowLength = read;
        return read >= n ? 0 : -1;
    }

    /** Forgets the window (the file changed under it). */
    void invalidate() {
        windowChannel = null;
    }

    /**
     * Checks the record at {@code position}: END for a zero length (the written part ends here) or the end
     * of the file, VALID with {@link #checkedLength} set, or INVALID with {@link #invalidReason} set.
     */
    Status check(JournalChannel channel, long position, long fileSize, long segmentId, int maxRecord) throws IOException {
        long remaining = fileSize - position;
        if (remaining <= 0) {
            return Status.END;
        }
        if (remaining < 8) {
            int at = window(channel, position, (int) remaining, fileSize);
            for (int i = 0; i < remaining; i++) {
                if (buf.get(at + i) != 0) {
                    invalidReason = "a partial record header at the end of the file";
                    return Status.INVALID;
                }
            }
            return Status.END;
        }
        int at = window(channel, position, 8, fileSize);
        int length = buf.getInt(at + RecordFormat.LENGTH);
        if (length == 0) {
            return Status.END;
        }
        if (length < RecordFormat.MIN_RECORD || length > maxRecord || length > remaining) {
            invalidReason = "implausible record length " + length;
            return Status.INVALID;
        }
        at = window(channel, position, length, fileSize);
        if (at < 0) {
            invalidReason = "the record runs past the end of the file";
            return Status.INVALID;
        }
        long id = buf.getLong(at + RecordFormat.SEGMENT);
        if (id != segmentId) {
            invalidReason = "record of segment " + id + " in segment " + segmentId;
            return Status.INVALID;
        }
        int stored = buf.getInt(at + RecordFormat.CRC);
        if (stored != RecordFormat.checksum(view, crc, at, length)) {
            invalidReason = "checksum mismatch";
            return Status.INVALID;
        }
        if (!RecordFormat.isKnownType(buf.get(at + RecordFormat.TYPE))) {
            invalidReason = "unknown record type " + buf.get(at + RecordFormat.TYPE);
            return Status.INVALID;
        }
        checkedLength = length;
        return Status.VALID;
    }

    /** Buffer offset of the record {@link #check} just validated at {@code position}. */
    int offsetOf(long position) {
        return (int) (position - windowStart);
    }

    /**
     * Visits the records of {@code segment} in [from, to): data known to be good (durable, written by us).
     * Anything that fails its checks there is corruption.
     */
    void readRange(Segment segment, JournalChannel channel, long from, long to, int maxRecord, Visitor visitor)
            throws IOException {
        long position = from;
        while (position < to) {
            Status status = check(channel, position, to, segment.id, maxRecord);
            if (status != Status.VALID) {
                throw new JournalCorruptionException(segment.path, position,
                        status == Status.END ? "records end early (expected data up to " + to + ")" : invalidReason);
            }
            int length = checkedLength;
            if (!visitor.record(position, buf, offsetOf(position), length)) {
                return;
            }
            position += length;
        }
    }

    /**
     * Looks for a record of {@code segmentId} that passes every check anywhere in [from, fileSize): proof
     * that an invalid record before it is damage in the middle rather than a torn tail. Returns its
     * position, or -1.
     */
    long findValidRecord(JournalChannel channel, long from, long fileSize, long segmentId, int maxRecord)
            throws IOException {
        final int chunk = 1 << 20;
        long base = from;
        while (base < fileSize - RecordFormat.MIN_RECORD + 1) {
            int span = (int) Math.min(chunk, fileSize - base);
            int at = window(channel, base, span, fileSize);
            if (at < 0) {
                return -1;
            }
            int last = span - RecordFormat.MIN_RECORD;
            for (int i = 0; i <= last; i++) {
                int o = at + i;
                if (i + 8 <= span && buf.getLong(o) == 0) {
                    i += 4; // no record can start in the first five bytes of eight zeros: its length would be 0
                    continue;
                }
                int length = buf.getInt(o);
                if (length < RecordFormat.MIN_RECORD || length > maxRecord || base + i + length > fileSize) {
                    continue;
                }
                if (buf.getLong(o + RecordFormat.SEGMENT) != segmentId) {
                    continue;
                }
                long candidate = base + i;
                if (check(channel, candidate, fileSize, segmentId, maxRecord) == Status.VALID) {
                    return candidate;
                }
                at = window(channel, base, span, fileSize); // check moved the window: restore it
            }
            base += last + 1;
        }
        return -1;
    }

    private void allocate(int capacity) {
        buf = ByteBuffer.allocateDirect(capacity);
        view = buf.duplicate();
        windowChannel = null;
    }
}
