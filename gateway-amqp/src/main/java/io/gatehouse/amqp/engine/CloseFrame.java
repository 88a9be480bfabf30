package io.gatehouse.amqp.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import org.apache.qpid.proton.amqp.transport.Close;
import org.apache.qpid.proton.amqp.transport.ErrorCondition;
import org.apache.qpid.proton.codec.AMQPDefinedTypes;
import org.apache.qpid.proton.codec.DecoderImpl;
import org.apache.qpid.proton.codec.EncoderImpl;

/**
 * A Close frame written by hand. Proton-j stops writing once its input side failed (a malformed or oversized
 * frame), yet AMQP asks us to tell the peer why before the socket goes: this encodes that last frame.
 */
final class CloseFrame {

    private static final int MAX_DESCRIPTION = 200;

    private CloseFrame() {
    }

    static ByteBuf encode(ByteBufAllocator alloc, ErrorCondition condition) {
        DecoderImpl decoder = new DecoderImpl();
        EncoderImpl encoder = new EncoderImpl(decoder);
        AMQPDefinedTypes.registerAllTypes(decoder, encoder);
        String description = condition.getDescription();
        if (description != null && description.length() > MAX_DESCRIPTION) {
            description = description.substring(0, MAX_DESCRIPTION);
        }
        Close close = new Close();
        close.setError(new ErrorCondition(condition.getCondition(), description));
        ByteBuffer body = ByteBuffer.allocate(1024);
        encoder.setByteBuffer(body);
        encoder.writeObject(close);
        body.flip();
        ByteBuf frame = alloc.buffer(8 + body.remaining());
        frame.writeInt(8 + body.remaining()); // size
        frame.writeByte(2);                   // data offset, in 4-byte words
        frame.writeByte(0);                   // AMQP frame
        frame.writeShort(0);                  // channel
        frame.writeBytes(body);
        return frame;
    }
}
