package io.gatehouse.amqp;

import io.gatehouse.amqp.engine.ProtonEngine;
import io.gatehouse.amqp.connection.AmqpConnection;
import io.gatehouse.core.GatewayCore;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The last handler of the AMQP pipeline: feeds the proton-j engine of one connection. */
final class AmqpConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(AmqpConnectionHandler.class);

    private final GatewayCore core;
    private final AmqpOptions options;
    private final boolean tls;
    private ProtonEngine engine;
    private AmqpConnection connection;
    private ScheduledFuture<?> openDeadline;

    AmqpConnectionHandler(GatewayCore core, AmqpOptions options, boolean tls) {
        this.core = core;
        this.options = options;
        this.tls = tls;
    }

    /** Added to a connection that is already open (after a WebSocket upgrade): start now, not at channelActive. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (engine != null) {
            return;
        }
        connection = new AmqpConnection(core, options, ctx.channel(), tls);
        engine = new ProtonEngine(ctx.channel(), options, connection);
        connection.bind(engine);
        // a peer that never finishes the handshake does not keep a socket forever
        openDeadline = ctx.executor().schedule(() -> {
            if (!connection.isOpen()) {
                connection.handshakeTimedOut();
                ctx.close();
            }
        }, options.saslHandshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf && engine != null) {
            engine.input(buf);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && connection != null) {
            connection.onWritable();
            engine.requestFlush();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
            log.info("AMQP connection from {} closed: TLS handshake failed: {}", ctx.channel().remoteAddress(),
                    handshake.cause().getMessage());
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (openDeadline != null) {
            openDeadline.cancel(false);
        }
        if (engine != null) {
            engine.channelClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause.getCause() instanceof javax.net.ssl.SSLException) {
            // resets and TLS failures are the peer's business: one line, no stack trace
            log.debug("AMQP connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("AMQP connection from {} failed", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
