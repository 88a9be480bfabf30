package io.gatehouse.amqp;

import io.gatehouse.core.testing.ManualCore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import org.apache.qpid.proton.Proton;
import org.apache.qpid.proton.amqp.messaging.Source;
import org.apache.qpid.proton.amqp.messaging.Target;
import org.apache.qpid.proton.engine.Collector;
import org.apache.qpid.proton.engine.Connection;
import org.apache.qpid.proton.engine.Sasl;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.engine.Session;
import org.apache.qpid.proton.engine.Transport;

/**
 * A proton-j client engine wired by hand to an {@link EmbeddedChannel} that carries the AMQP handler over a core
 * with manual shards: nothing moves unless {@link #exchange()} moves it, so tests are deterministic.
 */
final class EmbeddedAmqpPeer {

    final Transport transport = Proton.transport();
    final Connection connection = Proton.connection();
    final Collector collector = Proton.collector();
    final Sasl sasl;
    private final EmbeddedChannel channel;
    private final ManualCore hub;

    private EmbeddedAmqpPeer(EmbeddedChannel channel, ManualCore hub, String user, String password) {
        this.channel = channel;
        this.hub = hub;
        connection.collect(collector);
        sasl = transport.sasl();
        sasl.client();
        if (user == null) {
            sasl.setMechanisms("ANONYMOUS");
        } else {
            sasl.plain(user, password);
        }
        transport.bind(connection);
        connection.setContainer("peer");
        connection.open();
    }

    /** The AMQP handler of {@code hub}'s core on an embedded channel (plain, no TLS). */
    static EmbeddedChannel channel(ManualCore hub) {
        return new EmbeddedChannel(new AmqpConnectionHandler(hub.core, AmqpOptions.defaults(), false));
    }

    /** A peer that signs in with SASL PLAIN. */
    static EmbeddedAmqpPeer plain(EmbeddedChannel channel, ManualCore hub, String user, String password) {
        return new EmbeddedAmqpPeer(channel, hub, user, password);
    }

    /** A peer that signs in with SASL ANONYMOUS (and authenticates through {@code $cbs}). */
    static EmbeddedAmqpPeer anonymous(EmbeddedChannel channel, ManualCore hub) {
        return new EmbeddedAmqpPeer(channel, hub, null, null);
    }

    /** Attaches a sender to {@code address} on a new session and exchanges until the gateway answered the attach. */
    Sender attachSender(String name, String address) {
        Session session = connection.session();
        session.open();
        Sender sender = session.sender(name);
        Target target = new Target();
        target.setAddress(address);
        sender.setTarget(target);
        sender.setSource(new Source());
        sender.open();
        exchange();
        return sender;
    }

    /** Moves bytes both ways and runs the core until nothing moves (bytes for a closed channel are dropped). */
    void exchange() {
        for (int round = 0; round < 1000; round++) {
            boolean moved = false;
            int pending = transport.pending();
            if (pending > 0) {
                ByteBuffer head = transport.head();
                byte[] bytes = new byte[head.remaining()];
                head.duplicate().get(bytes);
                transport.pop(bytes.length);
                if (channel.isOpen()) {
                    channel.writeInbound(Unpooled.wrappedBuffer(bytes));
                    moved = true;
                } // else lost, as on a socket the server closed
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
