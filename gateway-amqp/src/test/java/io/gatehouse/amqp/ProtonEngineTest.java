package io.gatehouse.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.testing.ManualCore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.security.SaslMechanisms;
import org.apache.qpid.proton.amqp.transport.Open;
import org.apache.qpid.proton.codec.AMQPDefinedTypes;
import org.apache.qpid.proton.codec.DecoderImpl;
import org.apache.qpid.proton.codec.EncoderImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The proton-j pump in an {@link EmbeddedChannel}: header detection and one flush per event-loop turn. */
class ProtonEngineTest {

    private final ManualCore core = new ManualCore();
    private final DecoderImpl decoder = new DecoderImpl();
    private final EncoderImpl encoder = new EncoderImpl(decoder);
    private int flushes;

    ProtonEngineTest() {
        AMQPDefinedTypes.registerAllTypes(decoder, encoder);
    }

    @AfterEach
    void stop() {
        core.close();
    }

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes++;
                ctx.flush();
            }
        }, new AmqpConnectionHandler(core.core, AmqpOptions.defaults(), false));
    }

    private ByteBuf frame(int type, Object performative) {
        ByteBuffer body = ByteBuffer.allocate(1024);
        encoder.setByteBuffer(body);
        encoder.writeObject(performative);
        body.flip();
        ByteBuf frame = Unpooled.buffer();
        frame.writeInt(8 + body.remaining()).writeByte(2).writeByte(type).writeShort(0).writeBytes(body);
        return frame;
    }

    private static byte[] drain(EmbeddedChannel channel) {
        ByteBuf all = Unpooled.buffer();
        ByteBuf next;
        while ((next = channel.readOutbound()) != null) {
            all.writeBytes(next);
            next.release();
        }
        byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        return bytes;
    }

    private Object performativeAt(byte[] bytes, int offset) {
        ByteBuffer frame = ByteBuffer.wrap(bytes, offset, bytes.length - offset);
        int size = frame.getInt();
        int doff = frame.get() & 0xff;
        decoder.setByteBuffer(ByteBuffer.wrap(bytes, offset + doff * 4, size - doff * 4));
        return decoder.readObject();
    }

    @Test
    void aPlainHeaderGetsAPlainAnswerAndOneFlushForAHandshakeInOneTurn() {
        EmbeddedChannel channel = channel();
        Open open = new Open();
        open.setContainerId("peer");
        // header and Open arrive as two reads in the same event-loop turn
        int before = flushes;
        channel.pipeline().fireChannelRead(Unpooled.wrappedBuffer(new byte[] {'A', 'M', 'Q', 'P', 0, 1, 0, 0}));
        channel.pipeline().fireChannelRead(frame(0, open));
        assertThat(flushes).isEqualTo(before);
        channel.runPendingTasks();
        assertThat(flushes).isEqualTo(before + 1);
        byte[] out = drain(channel);
        assertThat(new String(out, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("AMQP");
        assertThat(out[4]).isZero();
        assertThat(performativeAt(out, 8)).isInstanceOfSatisfying(Open.class,
                o -> assertThat(o.getContainerId()).isEqualTo("gatehouse"));
        channel.finishAndReleaseAll();
    }

    @Test
    void aSaslHeaderGetsTheServersMechanisms() {
        EmbeddedChannel channel = channel();
        // the header split across reads is gathered first
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'A', 'M', 'Q'}));
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'P', 3, 1, 0, 0}));
        channel.runPendingTasks();
        byte[] out = drain(channel);
        assertThat(out[4]).isEqualTo((byte) 3);
        assertThat(performativeAt(out, 8)).isInstanceOfSatisfying(SaslMechanisms.class,
                m -> assertThat(m.getSaslServerMechanisms()).containsExactly(Symbol.valueOf("ANONYMOUS"), Symbol.valueOf("PLAIN")));
        channel.finishAndReleaseAll();
    }

    @Test
    void anUnknownHeaderIsAnsweredAndTheChannelClosed() {
        EmbeddedChannel channel = channel();
        channel.writeInbound(Unpooled.wrappedBuffer("MQTT....".getBytes(StandardCharsets.US_ASCII)));
        channel.runPendingTasks();
        assertThat(drain(channel)).containsExactly('A', 'M', 'Q', 'P', 3, 1, 0, 0);
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }
}
