package io.gatehouse.mqtt;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.transport.ProtocolEndpoint;
import io.gatehouse.transport.ProtocolEndpoint.Port;
import io.netty.handler.ssl.SslContext;
import java.util.List;

/** MQTT 3.1.1 devices on the given ports: over TLS with the SSL context, or plain. */
public final class MqttEndpoint {

    private MqttEndpoint() {
    }

    public static ProtocolEndpoint create(GatewayCore core, MqttOptions options, SslContext sslContext, List<Port> ports) {
        return ProtocolEndpoint.of("mqtt", ports, sslContext, tls -> new MqttChannelInitializer(core, options, tls));
    }
}
