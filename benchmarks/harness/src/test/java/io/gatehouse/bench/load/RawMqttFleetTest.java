package io.gatehouse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.bench.broker.MqttNodes;
import io.gatehouse.bench.broker.PeerDialect;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RawMqttFleetTest {

    private static final List<String> IDS = List.of("dev-1", "dev-2", "dev-3");

    @Test
    void aDeviceWhoseConnectionClosesBeforeItsSubackDialsAgainAndSubscribes() throws Exception {
        try (SubscribeClosingBroker broker = new SubscribeClosingBroker(1);
             RawMqttFleet fleet = RawMqttFleet.c2dFleet(broker.options(), IDS, payload -> { }, Duration.ofSeconds(30))) {
            assertThat(fleet.size()).isEqualTo(3);
            assertThat(fleet.redials()).isEqualTo(3);
            assertThat(broker.subscribes).containsOnly(Map.entry("dev-1", 2), Map.entry("dev-2", 2), Map.entry("dev-3", 2));
            assertThat(fleet.redialNote()).hasValueSatisfying(note -> assertThat(note).startsWith("3 connection(s) closed"));
        }
    }

    @Test
    void aBrokerThatGrantsAtOnceCausesNoRedial() throws Exception {
        try (SubscribeClosingBroker broker = new SubscribeClosingBroker(0);
             RawMqttFleet fleet = RawMqttFleet.c2dFleet(broker.options(), IDS, payload -> { }, Duration.ofSeconds(30))) {
            assertThat(fleet.redials()).isZero();
            assertThat(fleet.redialNote()).isEmpty();
            assertThat(broker.subscribes).containsOnly(Map.entry("dev-1", 1), Map.entry("dev-2", 1), Map.entry("dev-3", 1));
        }
    }

    @Test
    void aDeviceStopsDiallingAfterItsLastAttemptAndTheFleetSaysWhy() throws Exception {
        try (SubscribeClosingBroker broker = new SubscribeClosingBroker(Integer.MAX_VALUE)) {
            assertThatThrownBy(() -> RawMqttFleet.c2dFleet(broker.options(), IDS, payload -> { }, Duration.ofSeconds(30)))
                    .satisfies(e -> assertThat(e.getCause()).hasMessageContaining("before its SUBACK, after "
                            + RawMqttFleet.MAX_DIALS_BEFORE_SUBACK + " connection(s)"));
            assertThat(broker.subscribes.values()).allMatch(n -> n == RawMqttFleet.MAX_DIALS_BEFORE_SUBACK);
        }
    }

    /**
     * Answers every CONNECT with a CONNACK and closes the connection on each client's first {@code closings}
     * SUBSCRIBEs, as Moquette does when it reads a SUBSCRIBE before marking the CONNECT done; grants later ones.
     */
    private static final class SubscribeClosingBroker implements AutoCloseable {
        final Map<String, Integer> subscribes = new ConcurrentHashMap<>();
        private final int closings;
        private final EventLoopGroup group = new NioEventLoopGroup(1);
        private final Channel server;

        SubscribeClosingBroker(int closings) throws InterruptedException {
            this.closings = closings;
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new Connection());
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
        }

        RawMqttFleet.Options options() {
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            return new RawMqttFleet.Options("127.0.0.1", MqttNodes.one(port), new PeerDialect(), 60);
        }

        @Override
        public void close() {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }

        /** One client connection: frames MQTT packets and answers the two it expects. */
        private final class Connection extends ByteToMessageDecoder {
            private String clientId;

            @Override
            protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
                while (in.readableBytes() >= 2) {
                    int start = in.readerIndex();
                    int length = 0;
                    int shift = 0;
                    int pos = start + 1;
                    int b;
                    do {
                        if (pos >= in.writerIndex()) {
                            return;
                        }
                        b = in.getUnsignedByte(pos++);
                        length |= (b & 0x7f) << shift;
                        shift += 7;
                    } while ((b & 0x80) != 0);
                    if (in.writerIndex() - pos < length) {
                        return;
                    }
                    onPacket(ctx, in.getUnsignedByte(start) >> 4, in, pos);
                    in.readerIndex(pos + length);
                }
            }

            private void onPacket(ChannelHandlerContext ctx, int type, ByteBuf in, int body) {
                if (type == 1) { // CONNECT: the client id follows the 10 bytes of the variable header
                    int idLength = in.getUnsignedShort(body + 10);
                    clientId = in.toString(body + 12, idLength, StandardCharsets.UTF_8);
                    ctx.writeAndFlush(ctx.alloc().buffer(4).writeByte(0x20).writeByte(2).writeShort(0));
                } else if (type == 8) { // SUBSCRIBE
                    int packetId = in.getUnsignedShort(body);
                    if (subscribes.merge(clientId, 1, Integer::sum) <= closings) {
                        ctx.close();
                    } else {
                        ctx.writeAndFlush(ctx.alloc().buffer(5).writeByte(0x90).writeByte(3).writeShort(packetId).writeByte(1));
                    }
                }
            }
        }
    }
}
