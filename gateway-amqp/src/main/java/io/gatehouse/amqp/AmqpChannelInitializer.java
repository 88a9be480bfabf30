package io.gatehouse.amqp;

import io.gatehouse.core.GatewayCore;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import java.util.Objects;

/**
 * The AMQP 1.0 endpoint as a Netty pipeline: [TLS] → the proton-j driver of one connection. Bind it to 5671 with
 * an {@link SslContext} and, for development only, to 5672 without one.
 */
public final class AmqpChannelInitializer extends ChannelInitializer<SocketChannel> {

    private final GatewayCore core;
    private final AmqpOptions options;
    private final SslContext sslContext;

    public AmqpChannelInitializer(GatewayCore core, AmqpOptions options, SslContext sslContextOrNull) {
        this.core = Objects.requireNonNull(core, "core");
        this.options = Objects.requireNonNull(options, "options");
        this.sslContext = sslContextOrNull;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        if (sslContext != null) {
            pipeline.addLast("tls", sslContext.newHandler(channel.alloc()));
        }
        pipeline.addLast("amqp", new AmqpConnectionHandler(core, options, sslContext != null));
    }
}
