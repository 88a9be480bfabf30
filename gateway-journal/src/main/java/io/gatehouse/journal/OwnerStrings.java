package io.gatehouse.journal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Owner strings of keys decoded from disk, reused while they repeat. The compactor decodes every operation of the
 * segments it scans, and every operation of a device's queue carries the device's id: without this, each one cost
 * a new string and its bytes (about 3 % of all the bytes a C2D message's round trip allocates). Direct-mapped, so a
 * lookup allocates nothing and a miss costs what decoding always did. ASCII owners only (device ids are); others are
 * decoded each time. One thread at a time.
 */
final class OwnerStrings {

    private static final int SLOTS = 1024;

    private final String[] slots = new String[SLOTS];

    /** The owner written as the {@code length} UTF-8 bytes at {@code at}. */
    String get(ByteBuffer buf, int at, int length) {
        int hash = 0;
        for (int i = 0; i < length; i++) {
            byte b = buf.get(at + i);
            if (b < 0) {
                return decode(buf, at, length);
            }
            hash = 31 * hash + b;
        }
        int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
        String cached = slots[slot];
        if (cached != null && sameAscii(cached, buf, at, length)) {
            return cached;
        }
        String owner = decode(buf, at, length);
        slots[slot] = owner;
        return owner;
    }

    static String decode(ByteBuffer buf, int at, int length) {
        byte[] bytes = new byte[length];
        buf.get(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Whether the {@code length} UTF-8 bytes at {@code at} are {@code owner}; decodes nothing when it is ASCII. */
    static boolean matches(String owner, ByteBuffer buf, int at, int length) {
        for (int i = 0, n = owner.length(); i < n; i++) {
            if (owner.charAt(i) >= 0x80) {
                return decode(buf, at, length).equals(owner);
            }
        }
        return sameAscii(owner, buf, at, length); // an ASCII string's UTF-8 is its chars
    }

    /** A hash of the {@code length} UTF-8 bytes at {@code at}: {@link #hash(String)} of the owner they encode. */
    static int hash(ByteBuffer buf, int at, int length) {
        int hash = 0;
        for (int i = 0; i < length; i++) {
            hash = 31 * hash + buf.get(at + i);
        }
        return hash;
    }

    /** The hash {@link #hash(ByteBuffer, int, int)} gives the owner's UTF-8 bytes, computed without them when ASCII. */
    static int hash(String owner) {
        int hash = 0;
        for (int i = 0, n = owner.length(); i < n; i++) {
            char c = owner.charAt(i);
            if (c >= 0x80) {
                byte[] bytes = owner.getBytes(StandardCharsets.UTF_8);
                return hash(ByteBuffer.wrap(bytes), 0, bytes.length);
            }
            hash = 31 * hash + c; // an ASCII character is its own UTF-8 byte
        }
        return hash;
    }

    private static boolean sameAscii(String s, ByteBuffer buf, int at, int length) {
        if (s.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (s.charAt(i) != buf.get(at + i)) {
                return false;
            }
        }
        return true;
    }
}
