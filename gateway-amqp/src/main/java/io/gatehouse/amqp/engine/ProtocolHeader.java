package io.gatehouse.amqp.engine;

import io.netty.buffer.ByteBuf;

/**
 * The 8-byte AMQP protocol header a connection starts with: {@code AMQP id 1 0 0}. Id 3 asks for a SASL layer
 * (the Java SDKs), id 0 for none (the Node SDKs); anything else we do not speak.
 */
enum ProtocolHeader {
    SASL,
    AMQP,
    UNSUPPORTED;

    static final int LENGTH = 8;

    /** The header we answer an unsupported one with before closing, as AMQP 1.0 §2.2 asks: SASL is preferred. */
    static final byte[] PREFERRED = {'A', 'M', 'Q', 'P', 3, 1, 0, 0};

    /** Classifies the first {@link #LENGTH} readable bytes of {@code in} without consuming them. */
    static ProtocolHeader classify(ByteBuf in) {
        int at = in.readerIndex();
        if (in.getByte(at) != 'A' || in.getByte(at + 1) != 'M' || in.getByte(at + 2) != 'Q' || in.getByte(at + 3) != 'P'
                || in.getByte(at + 5) != 1 || in.getByte(at + 6) != 0 || in.getByte(at + 7) != 0) {
            return UNSUPPORTED;
        }
        byte id = in.getByte(at + 4);
        return id == 3 ? SASL : id == 0 ? AMQP : UNSUPPORTED;
    }
}
