package io.gatehouse.journal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The fixed header at the start of every segment file, written (and forced) before the file gets its
 * segment name:
 * <pre>
 *   0 long magic "GHJRNL01"   8 int format version   12 byte stream kind   14 short partition (-1: state, shared events)
 *  16 long segment id        24 long previous segment id of the stream (0: none)   32 long created (epoch ms)
 *  60 int crc32c of bytes [0, 60)
 * </pre>
 */
record SegmentHeader(StreamKind kind, int partition, long segmentId, long previousSegmentId, long createdMillis) {

    static final int SIZE = 64;
    static final long MAGIC = 0x47484A524E4C3031L;
    static final int VERSION = 1;
    private static final int CRC_AT = 60;

    enum StreamKind {
        STATE(1),
        /** One partition's events (format version 1; read, never started anew). */
        EVENTS(2),
        /** The events of every partition, each record naming its own. */
        SHARED_EVENTS(3);

        final int code;

        StreamKind(int code) {
            this.code = code;
        }

        static StreamKind fromCode(int code) {
            for (StreamKind kind : values()) {
                if (kind.code == code) {
                    return kind;
                }
            }
            return null;
        }
    }

    ByteBuffer encode() {
        ByteBuffer buf = ByteBuffer.allocate(SIZE);
        buf.putLong(0, MAGIC);
        buf.putInt(8, VERSION);
        buf.put(12, (byte) kind.code);
        buf.putShort(14, (short) partition);
        buf.putLong(16, segmentId);
        buf.putLong(24, previousSegmentId);
        buf.putLong(32, createdMillis);
        buf.putInt(CRC_AT, crc(buf));
        return buf;
    }

    /** Decodes a header; null when the bytes are not a valid header (wrong magic, version or checksum). */
    static SegmentHeader decode(ByteBuffer buf) {
        if (buf.remaining() < SIZE || buf.getLong(0) != MAGIC || buf.getInt(8) != VERSION
                || buf.getInt(CRC_AT) != crc(buf)) {
            return null;
        }
        StreamKind kind = StreamKind.fromCode(buf.get(12));
        if (kind == null) {
            return null;
        }
        return new SegmentHeader(kind, buf.getShort(14), buf.getLong(16), buf.getLong(24), buf.getLong(32));
    }

    private static int crc(ByteBuffer buf) {
        CRC32C crc = new CRC32C();
        ByteBuffer view = buf.duplicate();
        view.position(0).limit(CRC_AT);
        crc.update(view);
        return (int) crc.getValue();
    }
}
