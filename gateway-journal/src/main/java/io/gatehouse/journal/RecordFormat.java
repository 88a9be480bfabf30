package io.gatehouse.journal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The layout every journal record shares, big-endian:
 * <pre>
 *   0  int   length      whole record, these 8 bytes included
 *   4  int   crc32c      over the length field and bytes [8, length)
 *   8  byte  type        {@link #STATE}, {@link #PARTITION_EVENT}, {@link #SEAL} (or {@link #EVENT})
 *   9  long  segment id  the segment the record was written to: stale bytes of a recycled file never match
 *  17  long  sequence    state: journal-wide record number; event: the event's sequence number
 *  25  ...   content     state: the batch's operations (keys length-prefixed); event: offset, time,
 *                          partition (not in {@link #EVENT}), payload
 * </pre>
 * A zero length marks the end of the written part of a preallocated (zero-filled) segment.
 */
final class RecordFormat {

    static final byte STATE = 1;
    /** An event in a one-partition segment file of format version 1: still read, no longer written. */
    static final byte EVENT = 2;
    /** An event in a segment shared by all partitions: it names its partition. */
    static final byte PARTITION_EVENT = 4;
    /** Closes a segment: nothing after it belongs to the segment. Written before the next segment starts. */
    static final byte SEAL = 3;

    static final int LENGTH = 0;
    static final int CRC = 4;
    static final int TYPE = 8;
    static final int SEGMENT = 9;
    static final int SEQUENCE = 17;
    static final int HEADER_SIZE = 25;

    /** An event record: header, offset (long), enqueued time (long), payload. */
    static final int EVENT_OFFSET = HEADER_SIZE;
    static final int EVENT_TIME = HEADER_SIZE + 8;
    static final int EVENT_PAYLOAD = HEADER_SIZE + 16;
    /** A partition event: header, offset, time, partition (int), payload. */
    static final int EVENT_PARTITION = HEADER_SIZE + 16;
    static final int PARTITION_EVENT_PAYLOAD = HEADER_SIZE + 20;

    static final int SEAL_SIZE = HEADER_SIZE;
    static final int MIN_RECORD = HEADER_SIZE;

    private RecordFormat() {
    }

    static boolean isKnownType(int type) {
        return type == STATE || type == EVENT || type == SEAL || type == PARTITION_EVENT;
    }

    /** Where the payload of the event record at {@code at} starts (the two event layouts differ). */
    static int eventPayloadStart(ByteBuffer buf, int at) {
        return at + (buf.get(at + TYPE) == PARTITION_EVENT ? PARTITION_EVENT_PAYLOAD : EVENT_PAYLOAD);
    }

    /** Writes the common header at {@code start} (the length and checksum are filled by {@link #finish}). */
    static void writeHeader(ByteBuffer buf, int start, byte type, long segmentId, long sequence) {
        buf.put(start + TYPE, type);
        buf.putLong(start + SEGMENT, segmentId);
        buf.putLong(start + SEQUENCE, sequence);
    }

    /** Fills in the length and checksum of the record at {@code start} whose content is complete. */
    static void finish(ByteBuffer buf, ByteBuffer view, CRC32C crc, int start, int length) {
        buf.putInt(start + LENGTH, length);
        buf.putInt(start + CRC, checksum(view, crc, start, length));
    }

    /** The checksum of the record of {@code length} bytes at {@code start}; {@code view} is a scratch duplicate of the buffer. */
    static int checksum(ByteBuffer view, CRC32C crc, int start, int length) {
        crc.reset();
        view.limit(start + LENGTH + 4).position(start + LENGTH);
        crc.update(view);
        view.limit(start + length).position(start + TYPE);
        crc.update(view);
        return (int) crc.getValue();
    }

    /** Appends a seal record at the buffer's position. */
    static void appendSeal(ByteBuffer buf, ByteBuffer view, CRC32C crc, long segmentId) {
        int start = buf.position();
        writeHeader(buf, start, SEAL, segmentId, 0);
        buf.position(start + SEAL_SIZE);
        finish(buf, view, crc, start, SEAL_SIZE);
    }
}
