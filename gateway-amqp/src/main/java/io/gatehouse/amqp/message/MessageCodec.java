package io.gatehouse.amqp.message;

import java.nio.BufferOverflowException;
import org.apache.qpid.proton.codec.DecodeException;
import org.apache.qpid.proton.codec.ReadableBuffer;
import org.apache.qpid.proton.message.Message;

/** Whole AMQP messages to and from bytes. */
public final class MessageCodec {

    private MessageCodec() {
    }

    /** Decodes a received message; throws {@link DecodeException} (or another runtime exception) on bad bytes. */
    public static Message decode(byte[] bytes) {
        return decodeFrom(AsciiFastReadableBuffer.wrap(bytes, 0, bytes.length));
    }

    /**
     * Decodes a delivery's bytes as proton-j hands them over ({@code Receiver.recv()}): read where they lie when
     * they are one array (a message in one frame), copied into one first when they span several.
     */
    public static Message decode(ReadableBuffer received) {
        if (received.hasArray()) {
            return decodeFrom(AsciiFastReadableBuffer.wrap(received.array(),
                    received.arrayOffset() + received.position(), received.remaining()));
        }
        byte[] bytes = new byte[received.remaining()];
        received.get(bytes);
        return decode(bytes);
    }

    private static Message decodeFrom(AsciiFastReadableBuffer readable) {
        Message message = Message.Factory.create();
        message.decode(readable);
        return message;
    }

    /** Encodes a message; {@code sizeHint} is the expected size (body plus a little), the buffer grows past it. */
    public static byte[] encode(Message message, int sizeHint) {
        byte[] buffer = new byte[Math.max(256, sizeHint)];
        while (true) {
            try {
                int length = message.encode(buffer, 0, buffer.length);
                byte[] exact = new byte[length];
                System.arraycopy(buffer, 0, exact, 0, length);
                return exact;
            } catch (BufferOverflowException e) {
                buffer = new byte[buffer.length * 2];
            }
        }
    }

    /** True when a decode failure is the peer's fault (bad bytes) rather than ours. */
    public static boolean isDecodeFailure(RuntimeException e) {
        return e instanceof DecodeException || e instanceof IllegalArgumentException
                || e instanceof ClassCastException || e instanceof IndexOutOfBoundsException
                || e instanceof java.nio.BufferUnderflowException || e instanceof NullPointerException;
    }
}
