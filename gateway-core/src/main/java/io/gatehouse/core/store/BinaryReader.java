package io.gatehouse.core.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads what {@link BinaryWriter} wrote. Refuses truncated or inconsistent input with a clear error. */
public final class BinaryReader {

    private final byte[] buf;
    private int pos;

    public BinaryReader(byte[] buf) {
        this.buf = buf;
    }

    public int readByte() {
        need(1);
        return buf[pos++] & 0xff;
    }

    public boolean readBoolean() {
        return readByte() != 0;
    }

    public int readInt() {
        need(4);
        int v = ((buf[pos] & 0xff) << 24) | ((buf[pos + 1] & 0xff) << 16) | ((buf[pos + 2] & 0xff) << 8) | (buf[pos + 3] & 0xff);
        pos += 4;
        return v;
    }

    public long readLong() {
        long hi = readInt() & 0xffffffffL;
        long lo = readInt() & 0xffffffffL;
        return (hi << 32) | lo;
    }

    public String readString() {
        int len = readInt();
        if (len == -1) {
            return null;
        }
        checkLength(len);
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    /** Moves past a string without decoding it. */
    public void skipString() {
        int len = readInt();
        if (len != -1) {
            checkLength(len);
            pos += len;
        }
    }

    /** Moves past a string map without decoding it. */
    public void skipStringMap() {
        int size = readInt();
        checkLength(size);
        for (int i = 0; i < 2 * size; i++) {
            skipString();
        }
    }

    public byte[] readBytes() {
        int len = readInt();
        if (len == -1) {
            return null;
        }
        checkLength(len);
        byte[] bytes = Arrays.copyOfRange(buf, pos, pos + len);
        pos += len;
        return bytes;
    }

    public Map<String, String> readStringMap() {
        int size = readInt();
        checkLength(size);
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            map.put(readString(), readString());
        }
        return map;
    }

    /** Reads the leading format version and refuses any other. */
    public BinaryReader expectVersion(int version, String what) {
        int found = readByte();
        if (found != version) {
            throw new IllegalStateException("unsupported " + what + " format version " + found);
        }
        return this;
    }

    private void checkLength(int len) {
        if (len < 0 || len > buf.length - pos) {
            throw new IllegalStateException("corrupt value: length " + len + " at " + pos + " of " + buf.length);
        }
    }

    private void need(int n) {
        if (pos + n > buf.length) {
            throw new IllegalStateException("corrupt value: truncated at " + pos + " of " + buf.length);
        }
    }
}
