package io.gatehouse.amqp.engine;

import io.gatehouse.amqp.AmqpOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.apache.qpid.proton.Proton;
import org.apache.qpid.proton.amqp.transport.ConnectionError;
import org.apache.qpid.proton.amqp.transport.ErrorCondition;
import org.apache.qpid.proton.engine.Collector;
import org.apache.qpid.proton.engine.Connection;
import org.apache.qpid.proton.engine.EndpointState;
import org.apache.qpid.proton.engine.Event;
import org.apache.qpid.proton.engine.Sasl;
import org.apache.qpid.proton.engine.Transport;
import org.apache.qpid.proton.engine.TransportException;

/**
 * Pumps one proton-j engine (Transport + Connection + Collector) from a Netty channel: bytes in, events out to an
 * {@link EngineListener}, frames back to the socket. Not proton's reactor: the channel's event loop is the only
 * thread that ever touches proton state, and it writes and flushes the transport's output once per loop turn,
 * however many events produced it.
 *
 * <p>The first 8 bytes choose the security layer: a SASL header configures a SASL server, a plain AMQP header
 * none (the Node SDKs skip SASL and authenticate through {@code $cbs} alone).
 */
public final class ProtonEngine {

    private final Channel channel;
    private final AmqpOptions options;
    private final EngineListener listener;
    private final Runnable flushTask = this::flushNow;

    private Transport transport;
    private Connection connection;
    private Collector collector;
    private ByteBuf headerBytes;
    private boolean flushScheduled;
    private boolean failed;
    private boolean channelClosed;
    private boolean closeAfterFlush;
    private ScheduledFuture<?> tickTimer;
    private long tickDeadline;

    public ProtonEngine(Channel channel, AmqpOptions options, EngineListener listener) {
        this.channel = channel;
        this.options = options;
        this.listener = listener;
    }

    public Connection connection() {
        return connection;
    }

    public Channel channel() {
        return channel;
    }

    /** Proton state is confined to the event loop: every entry point checks it. */
    public void assertInLoop() {
        if (!channel.eventLoop().inEventLoop()) {
            throw new IllegalStateException("proton-j state touched outside the channel's event loop");
        }
    }

    /** Bytes from the socket. Takes ownership of {@code in}. */
    public void input(ByteBuf in) {
        assertInLoop();
        try {
            if (failed || channelClosed) {
                return;
            }
            if (transport != null) {
                feed(in);
            } else {
                ByteBuf all = accumulateHeader(in);
                if (all != null) {
                    try {
                        feed(all);
                    } finally {
                        all.release();
                    }
                }
            }
        } finally {
            in.release();
        }
        requestFlush();
    }

    /**
     * Gathers the protocol header; once complete, starts the transport and returns the header plus the rest of
     * {@code in} to feed it (the caller releases it), else null.
     */
    private ByteBuf accumulateHeader(ByteBuf in) {
        if (headerBytes == null) {
            headerBytes = channel.alloc().buffer(ProtocolHeader.LENGTH);
        }
        headerBytes.writeBytes(in, Math.min(in.readableBytes(), ProtocolHeader.LENGTH - headerBytes.readableBytes()));
        if (headerBytes.readableBytes() < ProtocolHeader.LENGTH) {
            return null;
        }
        ProtocolHeader header = ProtocolHeader.classify(headerBytes);
        ByteBuf header8 = headerBytes;
        headerBytes = null;
        if (header == ProtocolHeader.UNSUPPORTED) {
            header8.release();
            failed = true;
            listener.onProtocolError("unsupported protocol header");
            channel.writeAndFlush(Unpooled.wrappedBuffer(ProtocolHeader.PREFERRED))
                    .addListener(ChannelFutureListener.CLOSE);
            return null;
        }
        start(header == ProtocolHeader.SASL);
        return Unpooled.wrappedBuffer(header8, in.retainedSlice());
    }

    private void start(boolean sasl) {
        transport = Proton.transport();
        transport.setMaxFrameSize(options.maxFrameSize());
        transport.setIdleTimeout((int) Math.min(Integer.MAX_VALUE, options.idleTimeout().toMillis()));
        if (sasl) {
            Sasl server = transport.sasl();
            server.server();
            server.allowSkip(false);
            server.setMechanisms("ANONYMOUS", "PLAIN");
            server.setListener(listener.saslServer());
        }
        connection = Proton.connection();
        collector = Proton.collector();
        connection.collect(collector);
        transport.bind(connection);
    }

    private void feed(ByteBuf in) {
        while (in.isReadable() && !failed) {
            int capacity = transport.capacity();
            if (capacity <= 0) {
                // the input side is closed (the peer closed, or we did): the rest is of no use
                in.skipBytes(in.readableBytes());
                return;
            }
            ByteBuffer tail = transport.tail();
            int count = Math.min(tail.remaining(), in.readableBytes());
            int limit = tail.limit();
            tail.limit(tail.position() + count);
            in.readBytes(tail);
            tail.limit(limit);
            try {
                transport.process();
            } catch (TransportException e) {
                fail(e.getMessage());
                return;
            }
            dispatch();
        }
    }

    /** Malformed input: tell the peer why when it can still parse frames, then drop the connection. */
    private void fail(String description) {
        failed = true;
        ErrorCondition condition = transport.getCondition() != null && transport.getCondition().getCondition() != null
                ? transport.getCondition()
                : new ErrorCondition(ConnectionError.FRAMING_ERROR, description);
        listener.onProtocolError(condition.getCondition() + ": " + description);
        boolean peerParsesFrames = connection.getLocalState() == EndpointState.ACTIVE
                && connection.getRemoteState() == EndpointState.ACTIVE;
        if (peerParsesFrames) {
            channel.write(CloseFrame.encode(channel.alloc(), condition));
        }
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** Schedules one flush at the end of this loop turn (at most one is pending at a time). */
    public void requestFlush() {
        if (!flushScheduled && !channelClosed) {
            flushScheduled = true;
            channel.eventLoop().execute(flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        if (transport == null || failed || channelClosed) {
            return;
        }
        dispatch();
        boolean wrote = false;
        int pending;
        while ((pending = transport.pending()) > 0) {
            // head() encodes more output itself: take exactly what it shows, not the count pending() returned
            ByteBuffer head = transport.head();
            int count = head.remaining();
            ByteBuf out = channel.alloc().buffer(count);
            out.writeBytes(head.duplicate());
            transport.pop(count);
            channel.write(out);
            wrote = true;
            dispatch();
        }
        if (pending < 0) {
            // the transport is done (Close sent, or SASL refused): nothing more will ever be written
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (closeAfterFlush) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (wrote) {
            channel.flush();
        }
        scheduleTick();
    }

    private void dispatch() {
        Event event;
        while ((event = collector.peek()) != null) {
            listener.onEvent(event);
            collector.pop();
        }
    }

    /** Idle-timeout bookkeeping: proton-j says when it next needs the clock (empty frames, peer idle checks). */
    private void scheduleTick() {
        long now = nowMillis();
        long deadline = transport.tick(now);
        if (deadline == 0 || (tickTimer != null && tickDeadline <= deadline)) {
            return;
        }
        if (tickTimer != null) {
            tickTimer.cancel(false);
        }
        tickDeadline = deadline;
        tickTimer = channel.eventLoop().schedule(() -> {
            tickTimer = null;
            if (!channelClosed && !failed) {
                flushNow();
            }
        }, Math.max(1, deadline - now), TimeUnit.MILLISECONDS);
    }

    private static long nowMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    /** Closes the AMQP connection with {@code condition} (or none); the socket follows once Close is written. */
    public void close(ErrorCondition condition) {
        assertInLoop();
        if (connection == null || failed) {
            channel.close();
            return;
        }
        if (condition != null) {
            connection.setCondition(condition);
        }
        if (connection.getLocalState() == EndpointState.UNINITIALIZED) {
            connection.open();
        }
        connection.close();
        requestFlush();
    }

    /** Closes the socket once what is pending now is written (e.g. a refusing SASL outcome). */
    public void closeAfterFlush() {
        closeAfterFlush = true;
        requestFlush();
    }

    /** The socket is closed. */
    public void channelClosed() {
        if (channelClosed) {
            return;
        }
        channelClosed = true;
        if (tickTimer != null) {
            tickTimer.cancel(false);
        }
        if (headerBytes != null) {
            headerBytes.release();
            headerBytes = null;
        }
        listener.onChannelClosed();
        if (transport != null) {
            transport.unbind();
        }
    }
}
