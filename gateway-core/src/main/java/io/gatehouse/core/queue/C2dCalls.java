package io.gatehouse.core.queue;

import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.model.MessagePropertiesCodec;
import io.gatehouse.core.store.BinaryReader;
import io.gatehouse.core.store.BinaryWriter;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * The service calls on a device's queue that one node hands to the node owning the device (a send, a purge), and
 * their answers, in a compact binary form. Only nodes of the same version talk this way: it is never stored.
 */
final class C2dCalls {

    private static final int VERSION = 1;
    private static final int SEND = 1;
    private static final int PURGE = 2;
    private static final int ANSWERED = 0;
    private static final int FAILED = 1;
    /** The node no longer owns the device: place the call again. */
    private static final int MOVED = 2;

    /** A call as the owner reads it. */
    sealed interface Call {
        record Send(C2dRequest request) implements Call {
        }

        record Purge() implements Call {
        }
    }

    /** Thrown by the caller's side when the node it reached had let the device go meanwhile. */
    static final class MovedException extends RuntimeException {
        MovedException() {
            super("the device moved to another node", null, false, false);
        }

        static boolean isIn(Throwable failure) {
            Throwable t = failure;
            while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
                t = t.getCause();
            }
            return t instanceof MovedException;
        }
    }

    private C2dCalls() {
    }

    static byte[] send(C2dRequest r) {
        BinaryWriter w = new BinaryWriter(64 + r.size()).writeByte(VERSION).writeByte(SEND);
        MessagePropertiesCodec.write(w, r.properties())
                .writeByte(r.ack().ordinal())
                .writeLong(r.expiry() == null ? Long.MIN_VALUE : r.expiry().toEpochMilli())
                .writeBytes(r.body());
        return w.toByteArray();
    }

    static byte[] purge() {
        return new BinaryWriter(2).writeByte(VERSION).writeByte(PURGE).toByteArray();
    }

    static Call read(byte[] call) {
        BinaryReader r = new BinaryReader(call).expectVersion(VERSION, "C2D call");
        int op = r.readByte();
        if (op == PURGE) {
            return new Call.Purge();
        }
        if (op != SEND) {
            throw new IllegalArgumentException("unknown C2D call " + op);
        }
        MessageProperties properties = MessagePropertiesCodec.read(r);
        AckMode ack = AckMode.values()[r.readByte()];
        long expiry = r.readLong();
        return new Call.Send(new C2dRequest(properties, ack, expiry == Long.MIN_VALUE ? null : Instant.ofEpochMilli(expiry),
                r.readBytes()));
    }

    /** The owner's answer: the call's result as text (a message id, a count). */
    static byte[] answered(String result) {
        return new BinaryWriter(16 + result.length()).writeByte(ANSWERED).writeString(result).toByteArray();
    }

    /** The owner's answer when the call failed; only a {@link GatewayException}'s code crosses over as itself. */
    static byte[] failed(Throwable failure) {
        GatewayException refusal = GatewayException.unwrap(failure);
        ErrorCode code = refusal != null ? refusal.code() : ErrorCode.SERVER_BUSY;
        String message = refusal != null ? refusal.getMessage() : "the node owning the device failed: " + failure;
        return new BinaryWriter(32 + message.length()).writeByte(FAILED).writeString(code.name()).writeString(message)
                .toByteArray();
    }

    static byte[] moved() {
        return new byte[] {MOVED};
    }

    /** The result the answer carries, or its failure ({@link MovedException} when the device had moved on). */
    static CompletableFuture<String> resultOf(byte[] answer) {
        BinaryReader r = new BinaryReader(answer);
        return switch (r.readByte()) {
            case ANSWERED -> CompletableFuture.completedFuture(r.readString());
            case FAILED -> CompletableFuture.failedFuture(new GatewayException(ErrorCode.valueOf(r.readString()), r.readString()));
            case MOVED -> CompletableFuture.failedFuture(new MovedException());
            default -> throw new IllegalArgumentException("unknown answer to a C2D call");
        };
    }
}
