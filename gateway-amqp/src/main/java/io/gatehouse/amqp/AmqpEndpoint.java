package io.gatehouse.amqp;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.transport.ProtocolEndpoint;
import io.gatehouse.transport.ProtocolEndpoint.Port;
import io.netty.handler.ssl.SslContext;
import java.util.List;

/** AMQP 1.0 devices and services on the given ports: over TLS with the SSL context, or plain. */
public final class AmqpEndpoint {

    private AmqpEndpoint() {
    }

    public static ProtocolEndpoint create(GatewayCore core, AmqpOptions options, SslContext sslContext, List<Port> ports) {
        return ProtocolEndpoint.of("amqp", ports, sslContext, tls -> new AmqpChannelInitializer(core, options, tls));
    }
}
