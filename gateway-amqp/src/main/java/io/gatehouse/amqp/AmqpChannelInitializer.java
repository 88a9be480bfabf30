package io.gatehouse.amqp;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.transport.ProtocolHandlers;
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

    private final SslContext sslContext;
    private final ProtocolHandlers protocol;

    public AmqpChannelInitializer(GatewayCore core, AmqpOptions options, SslContext sslContextOrNull) {
        this.sslContext = sslContextOrNull;
        this.protocol = protocolHandlers(core, options);
    }

    /**
     * AMQP without what carries it (the proton-j driver), for this initializer after TLS and for the HTTPS
     * listener after a WebSocket upgrade (subprotocol {@code AMQPWSB10}).
     */
    public static ProtocolHandlers protocolHandlers(GatewayCore core, AmqpOptions options) {
        Objects.requireNonNull(core, "core");
        Objects.requireNonNull(options, "options");
        return (pipeline, secure) -> pipeline.addLast("amqp", new AmqpConnectionHandler(core, options, secure));
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        if (sslContext != null) {
            pipeline.addLast("tls", sslContext.newHandler(channel.alloc()));
        }
        protocol.addTo(pipeline, sslContext != null);
    }
}
