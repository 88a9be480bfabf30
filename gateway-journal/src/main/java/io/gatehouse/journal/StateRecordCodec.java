package io.gatehouse.journal;

import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.WriteBatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The content of a state record: one whole {@link WriteBatch}, so a batch is atomic by construction (one
 * checksum covers it). After the common header:
 * <pre>
 *   int  operation count
 *   per operation:
 *     byte op (1 put, 2 delete)   byte record kind   int owner length   owner (UTF-8)   long id
 *     put only: int value length, value
 * </pre>
 * Keys are written field by field with length prefixes, never as one concatenated string.
 */
final class StateRecordCodec {

    static final byte PUT = 1;
    static final byte DELETE = 2;
    static final int MAX_OWNER_BYTES = 65_535;
    private static final int OP_FIXED = 1 + 1 + 4 + 8;

    /** Receives the decoded operations of one record. */
    interface OpVisitor {
        /**
         * One operation; for a put the value is {@code valueLength} bytes at {@code valueStart} of {@code buf}
         * (absolute), for a delete {@code valueStart} is -1.
         */
        void op(StateKey key, ByteBuffer buf, int valueStart, int valueLength, int opSize);
    }

    /**
     * Receives each operation of a record as it lies in the buffer, its key not built: a reader that wants a few
     * known keys compares them in place and allocates nothing for the others.
     */
    interface RawOpVisitor {
        /**
         * One operation: its key's kind code, the owner's {@code ownerLength} UTF-8 bytes at {@code ownerAt} and
         * the id; the value as in {@link OpVisitor#op}.
         */
        void op(int kindCode, ByteBuffer buf, int ownerAt, int ownerLength, long id, int valueStart, int valueLength,
                int opSize) throws MalformedRecordException;
    }

    /** The record's content is inconsistent although its checksum matched (a bug or a foreign file). */
    static final class MalformedRecordException extends Exception {
        MalformedRecordException(String message) {
            super(message);
        }
    }

    private StateRecordCodec() {
    }

    /** Encoded size of one operation. */
    static int opSize(WriteBatch.Op op) {
        int owner = utf8Length(op.key().owner());
        if (owner > MAX_OWNER_BYTES) {
            throw new IllegalArgumentException("state key owner of " + owner + " bytes exceeds " + MAX_OWNER_BYTES);
        }
        return OP_FIXED + owner + (op.isDelete() ? 0 : 4 + op.value().length);
    }

    /** Fills {@code sizes} with each operation's size; returns the whole record's size. */
    static long recordSize(List<WriteBatch.Op> ops, int[] sizes) {
        long total = RecordFormat.HEADER_SIZE + 4;
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = opSize(ops.get(i));
            total += sizes[i];
        }
        return total;
    }

    /** Writes the operations at the buffer's position (the caller checked the room). */
    static void encodeOps(ByteBuffer buf, List<WriteBatch.Op> ops) {
        buf.putInt(ops.size());
        for (int i = 0, n = ops.size(); i < n; i++) {
            WriteBatch.Op op = ops.get(i);
            StateKey key = op.key();
            buf.put(op.isDelete() ? DELETE : PUT);
            buf.put((byte) key.kindCode());
            putOwner(buf, key.owner());
            buf.putLong(key.id());
            if (!op.isDelete()) {
                buf.putInt(op.value().length);
                buf.put(op.value());
            }
        }
    }

    /** Decodes the operations of the state record of {@code length} bytes at {@code start} (absolute). */
    static void decode(ByteBuffer buf, int start, int length, OpVisitor visitor) throws MalformedRecordException {
        decode(buf, start, length, null, visitor);
    }

    /** As {@link #decode(ByteBuffer, int, int, OpVisitor)}, taking repeated owners from {@code owners} if given. */
    static void decode(ByteBuffer buf, int start, int length, OwnerStrings owners, OpVisitor visitor)
            throws MalformedRecordException {
        decodeRaw(buf, start, length, (kindCode, b, ownerAt, ownerLength, id, valueStart, valueLength, opSize) -> {
            String owner = owners != null ? owners.get(b, ownerAt, ownerLength) : OwnerStrings.decode(b, ownerAt, ownerLength);
            StateKey key;
            try {
                key = StateKey.decode(kindCode, owner, id);
            } catch (IllegalArgumentException e) {
                throw new MalformedRecordException(e.getMessage());
            }
            visitor.op(key, b, valueStart, valueLength, opSize);
        });
    }

    /** Decodes the operations of a state record without building their keys; checks its structure as the others do. */
    static void decodeRaw(ByteBuffer buf, int start, int length, RawOpVisitor visitor) throws MalformedRecordException {
        int end = start + length;
        int at = start + RecordFormat.HEADER_SIZE;
        if (at + 4 > end) {
            throw new MalformedRecordException("state record too short for its operation count");
        }
        int count = buf.getInt(at);
        at += 4;
        if (count < 0) {
            throw new MalformedRecordException("negative operation count " + count);
        }
        for (int i = 0; i < count; i++) {
            int opStart = at;
            if (at + OP_FIXED > end) {
                throw new MalformedRecordException("operation " + i + " runs past the record");
            }
            byte op = buf.get(at);
            int kindCode = buf.get(at + 1);
            int ownerLength = buf.getInt(at + 2);
            at += 6;
            if (op != PUT && op != DELETE) {
                throw new MalformedRecordException("unknown operation code " + op);
            }
            if (ownerLength < 0 || ownerLength > MAX_OWNER_BYTES || at + ownerLength + 8 > end) {
                throw new MalformedRecordException("bad owner length " + ownerLength);
            }
            int ownerAt = at;
            at += ownerLength;
            long id = buf.getLong(at);
            at += 8;
            if (op == PUT) {
                if (at + 4 > end) {
                    throw new MalformedRecordException("value length runs past the record");
                }
                int valueLength = buf.getInt(at);
                at += 4;
                if (valueLength < 0 || at + valueLength > end) {
                    throw new MalformedRecordException("bad value length " + valueLength);
                }
                visitor.op(kindCode, buf, ownerAt, ownerLength, id, at, valueLength, at + valueLength - opStart);
                at += valueLength;
            } else {
                visitor.op(kindCode, buf, ownerAt, ownerLength, id, -1, 0, at - opStart);
            }
        }
        if (at != end) {
            throw new MalformedRecordException((end - at) + " unexpected bytes after the operations");
        }
    }

    /** Copies a value out of a decoded record. */
    static byte[] value(ByteBuffer buf, int valueStart, int valueLength) {
        byte[] value = new byte[valueLength];
        buf.get(valueStart, value);
        return value;
    }

    /** UTF-8 length exactly as {@link String#getBytes} encodes (a lone surrogate becomes one '?'). */
    static int utf8Length(String s) {
        int n = s.length();
        int bytes = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static void putOwner(ByteBuffer buf, String owner) {
        int n = owner.length();
        boolean ascii = true;
        for (int i = 0; i < n; i++) {
            if (owner.charAt(i) >= 0x80) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            buf.putInt(n);
            for (int i = 0; i < n; i++) {
                buf.put((byte) owner.charAt(i));
            }
        } else {
            byte[] bytes = owner.getBytes(StandardCharsets.UTF_8);
            buf.putInt(bytes.length);
            buf.put(bytes);
        }
    }
}
