package io.gatehouse.server;

import io.gatehouse.amqp.AmqpEndpoint;
import io.gatehouse.amqp.AmqpOptions;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.http.HttpEndpoint;
import io.gatehouse.mqtt.MqttEndpoint;
import io.gatehouse.mqtt.MqttOptions;
import io.gatehouse.server.config.GatehouseConfig;
import io.gatehouse.transport.ProtocolEndpoint;
import io.gatehouse.transport.ProtocolEndpoint.Port;
import io.netty.handler.ssl.SslContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/** The endpoints a configuration asks for: HTTPS, MQTT over TLS (and plain), AMQP over TLS (and plain). */
final class ProtocolEndpoints {

    private ProtocolEndpoints() {
    }

    static List<ProtocolEndpoint> of(GatehouseConfig config, GatewayCore core, SslContext tls,
                                     Supplier<String> metricsScrape, ScheduledExecutorService timers) {
        List<Port> mqtt = new ArrayList<>(List.of(Port.tls("mqtt", config.mqttPort())));
        if (config.mqttPlainEnabled()) {
            mqtt.add(Port.plain("mqtt-plain", config.mqttPlainPort()));
        }
        List<Port> amqp = new ArrayList<>(List.of(Port.tls("amqp", config.amqpPort())));
        if (config.amqpPlainEnabled()) {
            amqp.add(Port.plain("amqp-plain", config.amqpPlainPort()));
        }
        return List.of(
                HttpEndpoint.create(core, tls, List.of(Port.tls("https", config.httpsPort())), metricsScrape, timers),
                MqttEndpoint.create(core, MqttOptions.builder().maxInFlightC2d(config.mqttMaxInFlight()).build(), tls, mqtt),
                AmqpEndpoint.create(core, AmqpOptions.defaults(), tls, amqp));
    }
}
