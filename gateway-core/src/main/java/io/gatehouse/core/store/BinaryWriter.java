package io.gatehouse.core.store;

import java.nio.charset.StandardCharsets;
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

    public BinaryWriter writeString(String s) {
        if (s == null) {
            return writeInt(-1);
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        writeInt(bytes.length);
        return writeRaw(bytes);
    }

    public BinaryWriter writeBytes(byte[] bytes) {
        if (bytes == null) {
            return writeInt(-1);
        }
        writeInt(bytes.length);
        return writeRaw(bytes);
    }

    public BinaryWriter writeStringMap(Map<String, String> map) {
        writeInt(map.size());
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

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }
}
