package io.gatehouse.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.events.EventSource;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.testing.ManualCore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import org.apache.qpid.proton.Proton;
import org.apache.qpid.proton.amqp.messaging.Source;
import org.apache.qpid.proton.amqp.messaging.Target;
import org.apache.qpid.proton.engine.Collector;
import org.apache.qpid.proton.engine.Connection;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.EndpointState;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.engine.Sasl;
import org.apache.qpid.proton.engine.Session;
import org.apache.qpid.proton.engine.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Handler level, deterministic (an {@link EmbeddedChannel} and a core with manual shards): a reader that granted
 * plenty of credit gets no transfers while the socket cannot take them, and everything once it can.
 */
class SlowReceiverBackPressureTest {

    private final ManualCore hub = new ManualCore();
    private EmbeddedChannel channel;

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        hub.close();
    }

    /** A proton-j client engine wired to the channel by hand. */
    private final class Peer {
        final Transport transport = Proton.transport();
        final Connection connection = Proton.connection();
        final Collector collector = Proton.collector();

        Peer(String user, String token) {
            connection.collect(collector);
            Sasl sasl = transport.sasl();
            sasl.client();
            sasl.plain(user, token);
            transport.bind(connection);
            connection.setContainer("peer");
            connection.open();
        }

        /** Moves bytes both ways and runs the core until nothing moves. */
        void exchange() {
            for (int round = 0; round < 1000; round++) {
                boolean moved = false;
                int pending = transport.pending();
                if (pending > 0) {
                    ByteBuffer head = transport.head();
                    byte[] bytes = new byte[head.remaining()];
                    head.duplicate().get(bytes);
                    transport.pop(bytes.length);
                    channel.writeInbound(Unpooled.wrappedBuffer(bytes));
                    moved = true;
                }
                hub.run();
                channel.runPendingTasks();
                ByteBuf out;
                while ((out = channel.readOutbound()) != null) {
                    while (out.isReadable()) {
                        ByteBuffer tail = transport.tail();
                        int n = Math.min(tail.remaining(), out.readableBytes());
                        int limit = tail.limit();
                        tail.limit(tail.position() + n);
                        out.readBytes(tail);
                        tail.limit(limit);
                        transport.process();
                    }
                    out.release();
                    moved = true;
                }
                while (collector.peek() != null) {
                    collector.pop();
                }
                if (!moved && !channel.hasPendingTasks()) {
                    return;
                }
            }
        }
    }

    private static int takeAll(Receiver receiver) {
        int count = 0;
        Delivery delivery;
        while ((delivery = receiver.current()) != null && !delivery.isPartial()) {
            receiver.advance();
            delivery.settle();
            count++;
        }
        return count;
    }

    @Test
    void noTransfersWhileTheChannelIsNotWritable() {
        Device device = hub.createDevice("slow");
        EventSource source = new EventSource(device.id(), device.generationId(), "{}");
        for (int i = 0; i < 300; i++) {
            hub.await(hub.core.events().append(source, MessageProperties.builder().messageId("e" + i).build(), new byte[64]));
        }
        channel = new EmbeddedChannel(new AmqpConnectionHandler(hub.core, AmqpOptions.defaults(), false));
        String token = SasTokens.serviceToken("hub.test", "service",
                hub.core.policies().get("service").orElseThrow().keys().primaryKey(), Instant.ofEpochMilli(hub.clock.millis()).plus(Duration.ofHours(1)));
        Peer peer = new Peer("service", token);
        Session session = peer.connection.session();
        session.open();
        Receiver reader = session.receiver("reader");
        Source address = new Source();
        address.setAddress("messages/events/ConsumerGroups/$Default/Partitions/" + hub.core.events().partitionFor(device.id()));
        reader.setSource(address);
        reader.setTarget(new Target());
        reader.open();
        peer.exchange();
        assertThat(reader.getRemoteState()).isEqualTo(EndpointState.ACTIVE);

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        assertThat(channel.isWritable()).isFalse();
        reader.flow(1000);
        peer.exchange();
        assertThat(takeAll(reader)).isZero();

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        int received = 0;
        for (int i = 0; i < 50 && received < 300; i++) {
            peer.exchange();
            received += takeAll(reader);
        }
        assertThat(received).isEqualTo(300);
    }
}
