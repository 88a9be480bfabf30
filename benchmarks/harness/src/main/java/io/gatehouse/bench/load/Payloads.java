package io.gatehouse.bench.load;

import java.nio.ByteBuffer;

/**
 * Message bodies that carry what the receiver needs to check them: the sender's intended send time
 * ({@link System#nanoTime()}, same process) and a unique sequence number, padded to the scenario's size.
 */
public final class Payloads {

    public static final int HEADER = 12;

    private Payloads() {
    }

    public static byte[] make(int size, long sendNanos, int sequence) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(HEADER, size));
        b.putLong(sendNanos).putInt(sequence);
        return b.array();
    }

    public static long sendNanos(ByteBuffer body) {
        return body.getLong(body.position());
    }

    public static int sequence(ByteBuffer body) {
        return body.getInt(body.position() + 8);
    }
}
