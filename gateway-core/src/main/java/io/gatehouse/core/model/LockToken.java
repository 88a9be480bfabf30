package io.gatehouse.core.model;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Identifies one delivery (one lock) of a message. Unique for the life of the process, and a token from a
 * previous process can never match: the high half is random per process, the low half a counter.
 * (A fresh random UUID per delivery would cost a SecureRandom call on the hot path.) Written as a UUID; kept
 * as its two halves, since a token lives as long as its delivery is in flight and a {@link UUID} inside
 * would double its size.
 */
public record LockToken(long high, long low) {

    private static final long PROCESS_EPOCH = new SecureRandom().nextLong();
    private static final AtomicLong COUNTER = new AtomicLong();

    public static LockToken next() {
        return new LockToken(PROCESS_EPOCH, COUNTER.incrementAndGet());
    }

    public static LockToken of(UUID uuid) {
        return new LockToken(uuid.getMostSignificantBits(), uuid.getLeastSignificantBits());
    }

    public static LockToken parse(String text) {
        return of(UUID.fromString(text));
    }

    /** The 16 bytes of the token, big-endian (e.g. an AMQP delivery tag). */
    public byte[] toBytes() {
        byte[] bytes = new byte[16];
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (high >>> (56 - 8 * i));
            bytes[8 + i] = (byte) (low >>> (56 - 8 * i));
        }
        return bytes;
    }

    public static LockToken fromBytes(byte[] bytes) {
        if (bytes == null || bytes.length != 16) {
            throw new IllegalArgumentException("a lock token is 16 bytes");
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (bytes[i] & 0xff);
            lo = (lo << 8) | (bytes[8 + i] & 0xff);
        }
        return new LockToken(hi, lo);
    }

    @Override
    public String toString() {
        return new UUID(high, low).toString();
    }
}
