package io.gatehouse.core.store;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * A small growable big-endian encoder for the values the core stores. Strings are UTF-8 with a length
 * prefix; -1 marks null.
 */
public final class BinaryWriter {

    private byte[] buf;
    private int pos;

    public BinaryWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    private BinaryWriter(byte[] exact) {
        buf = exact;
    }

    /**
     * A writer for exactly {@code size} bytes (add up {@link #sizeOf} and friends): {@link #toExactByteArray()}
     * then hands over its buffer without a copy.
     */
    public static BinaryWriter exactly(int size) {
        return new BinaryWriter(new byte[size]);
    }

    /** Bytes {@link #writeString} writes for {@code s}. */
    public static int sizeOf(String s) {
        return 4 + (s == null ? 0 : utf8Length(s));
    }

    /** Bytes {@link #writeBytes} writes for {@code bytes}. */
    public static int sizeOf(byte[] bytes) {
        return 4 + (bytes == null ? 0 : bytes.length);
    }

    /** Bytes {@link #writeRemaining} writes for {@code bytes}. */
    public static int sizeOfRemaining(ByteBuffer bytes) {
        return 4 + bytes.remaining();
    }

    /** Bytes {@link #writeStringMap} writes for {@code map}. */
    public static int sizeOf(Map<String, String> map) {
        int size = 4;
        if (map.isEmpty()) {
            return size; // no iterator: most messages carry no application properties
        }
        for (Map.Entry<String, String> e : map.entrySet()) {
            size += sizeOf(e.getKey()) + sizeOf(e.getValue());
        }
        return size;
    }

    public BinaryWriter() {
        this(64);
    }

    public BinaryWriter writeByte(int v) {
        ensure(1);
        buf[pos++] = (byte) v;
        return this;
    }

    public BinaryWriter writeBoolean(boolean v) {
        return writeByte(v ? 1 : 0);
    }

    public BinaryWriter writeInt(int v) {
        ensure(4);
        buf[pos++] = (byte) (v >>> 24);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
        return this;
    }

    public BinaryWriter writeLong(long v) {
        writeInt((int) (v >>> 32));
        return writeInt((int) v);
    }

    /** UTF-8 with a length prefix, byte for byte as {@code s.getBytes(UTF_8)} (a lone surrogate becomes '?'). */
    public BinaryWriter writeString(String s) {
        if (s == null) {
            return writeInt(-1);
        }
        int length = utf8Length(s);
        writeInt(length);
        ensure(length);
        // encoded in place: no intermediate array per string
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                buf[pos++] = (byte) c;
            } else if (c < 0x800) {
                buf[pos++] = (byte) (0xc0 | (c >> 6));
                buf[pos++] = (byte) (0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                buf[pos++] = (byte) (0xf0 | (cp >> 18));
                buf[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                buf[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                buf[pos++] = (byte) (0x80 | (cp & 0x3f));
            } else if (Character.isSurrogate(c)) {
                buf[pos++] = '?';
            } else {
                buf[pos++] = (byte) (0xe0 | (c >> 12));
                buf[pos++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                buf[pos++] = (byte) (0x80 | (c & 0x3f));
            }
        }
        return this;
    }

    private static int utf8Length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    bytes += 2;
                    i++;
                } else if (!Character.isSurrogate(c)) {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }

    public BinaryWriter writeBytes(byte[] bytes) {
        if (bytes == null) {
            return writeInt(-1);
        }
        writeInt(bytes.length);
        return writeRaw(bytes);
    }

    /** Writes the remaining bytes of {@code bytes} as {@link #writeBytes} would write them, leaving its position. */
    public BinaryWriter writeRemaining(ByteBuffer bytes) {
        int n = bytes.remaining();
        writeInt(n);
        ensure(n);
        bytes.get(bytes.position(), buf, pos, n);
        pos += n;
        return this;
    }

    public BinaryWriter writeStringMap(Map<String, String> map) {
        writeInt(map.size());
        if (map.isEmpty()) {
            return this;
        }
        for (Map.Entry<String, String> e : map.entrySet()) {
            writeString(e.getKey());
            writeString(e.getValue());
        }
        return this;
    }

    public BinaryWriter writeRaw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
        return this;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }

    /** The buffer itself, for a writer made by {@link #exactly} and filled to the last byte; no copy. */
    public byte[] toExactByteArray() {
        if (pos != buf.length) {
            throw new IllegalStateException("wrote " + pos + " of the " + buf.length + " bytes announced");
        }
        return buf;
    }

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }
}
