package io.gatehouse.mqtt;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.mqtt.connect.ConnectValidator;
import io.gatehouse.transport.ProtocolHandlers;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.gatehouse.mqtt.codec.HotPacketDecoder;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.ssl.SslContext;
import java.util.Objects;

/**
 * The MQTT endpoint as a Netty pipeline, for a server to bind on its listeners (8883 with TLS, 1883 plain):
 * {@code [TLS] → HotPacketDecoder → MqttDecoder(max packet size) → MqttEncoder → connection handler}; the
 * connection handler keeps the connect deadline and the keep-alive itself. One instance serves every connection of a listener.
 */
public final class MqttChannelInitializer extends ChannelInitializer<Channel> {

    /** Client ids are device ids (at most 128 characters); the decoder's limit only needs to be above that. */
    private static final int MAX_CLIENT_ID_LENGTH = 1024;

    private final SslContext sslContext;
    private final ProtocolHandlers protocol;

    /** {@code sslContext} null serves plain MQTT (development only). */
    public MqttChannelInitializer(GatewayCore core, MqttOptions options, SslContext sslContext) {
        if (sslContext != null && sslContext.isClient()) {
            throw new IllegalArgumentException("a server SslContext is needed");
        }
        this.sslContext = sslContext;
        this.protocol = protocolHandlers(core, options);
    }

    /**
     * MQTT without what carries it: {@code HotPacketDecoder → MqttDecoder → MqttEncoder → connection handler}, for this
     * initializer after TLS and for the HTTPS listener after a WebSocket upgrade (subprotocol {@code mqtt}).
     */
    public static ProtocolHandlers protocolHandlers(GatewayCore core, MqttOptions options) {
        Objects.requireNonNull(core, "core");
        Objects.requireNonNull(options, "options");
        ConnectValidator validator = new ConnectValidator(options.hubHostName());
        return (pipeline, secure) -> {
            pipeline.addLast("hot-packets", new HotPacketDecoder(options.maxPacketSize()));
            pipeline.addLast("decoder", new MqttDecoder(options.maxPacketSize(), MAX_CLIENT_ID_LENGTH));
            pipeline.addLast("encoder", MqttEncoder.INSTANCE);
            pipeline.addLast("connection", new MqttConnectionHandler(core, options, validator));
        };
    }

    @Override
    protected void initChannel(Channel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        if (sslContext != null) {
            pipeline.addLast("tls", sslContext.newHandler(channel.alloc()));
        }
        protocol.addTo(pipeline, sslContext != null);
    }
}
