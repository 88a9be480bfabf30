package io.gatehouse.server;

import io.gatehouse.amqp.AmqpChannelInitializer;
import io.gatehouse.amqp.AmqpEndpoint;
import io.gatehouse.amqp.AmqpOptions;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.http.HttpEndpoint;
import io.gatehouse.http.console.ConnectionDetails;
import io.gatehouse.http.websocket.WebSocketProtocols;
import io.gatehouse.mqtt.MqttChannelInitializer;
import io.gatehouse.mqtt.MqttEndpoint;
import io.gatehouse.mqtt.MqttOptions;
import io.gatehouse.server.config.GatehouseConfig;
import io.gatehouse.server.config.ServerSettings;
import io.gatehouse.tls.TlsMaterial;
import io.gatehouse.transport.ProtocolEndpoint;
import io.gatehouse.transport.ProtocolEndpoint.Port;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * The endpoints a configuration asks for: HTTPS (with MQTT and AMQP over WebSockets), MQTT over TLS (and plain),
 * AMQP over TLS (and plain), and the plain health port.
 */
final class ProtocolEndpoints {

    /** The property that sets each listener's port, for error messages that say what to change. */
    static final Map<String, String> PORT_PROPERTY = Map.of(
            "https", ServerSettings.HTTPS_PORT.property(),
            "mqtt", ServerSettings.MQTT_PORT.property(),
            "mqtt-plain", ServerSettings.MQTT_PLAIN_PORT.property(),
            "amqp", ServerSettings.AMQP_PORT.property(),
            "amqp-plain", ServerSettings.AMQP_PLAIN_PORT.property(),
            "health", ServerSettings.HEALTH_PORT.property());

    private ProtocolEndpoints() {
    }

    /** @param boundPorts each listener's port once bound, by name, for the console's connection page */
    static List<ProtocolEndpoint> of(GatehouseConfig config, GatewayCore core, TlsMaterial tlsMaterial,
                                     Supplier<Map<String, Integer>> boundPorts, Supplier<String> metricsScrape,
                                     ScheduledExecutorService timers) throws IOException {
        SslContext tls = tlsMaterial.serverContext();
        ConnectionDetails details = new ConnectionDetails(config.hostName(), boundPorts,
                Files.readString(tlsMaterial.trustFile(), StandardCharsets.US_ASCII));
        List<Port> mqtt = new ArrayList<>(List.of(Port.tls("mqtt", config.mqttPort())));
        if (config.mqttPlainEnabled()) {
            mqtt.add(Port.plain("mqtt-plain", config.mqttPlainPort()));
        }
        List<Port> amqp = new ArrayList<>(List.of(Port.tls("amqp", config.amqpPort())));
        if (config.amqpPlainEnabled()) {
            amqp.add(Port.plain("amqp-plain", config.amqpPlainPort()));
        }
        MqttOptions mqttOptions = MqttOptions.builder().maxInFlightC2d(config.mqttMaxInFlight()).build();
        AmqpOptions amqpOptions = AmqpOptions.defaults();
        List<ProtocolEndpoint> endpoints = new ArrayList<>(List.of(
                HttpEndpoint.create(core, tls, List.of(Port.tls("https", config.httpsPort())), metricsScrape, timers,
                        details, webSockets(core, mqttOptions, amqpOptions)),
                MqttEndpoint.create(core, mqttOptions, tls, mqtt),
                AmqpEndpoint.create(core, amqpOptions, tls, amqp)));
        if (config.healthEnabled()) {
            endpoints.add(HttpEndpoint.probes(core, List.of(Port.plain("health", config.healthPort())), metricsScrape, details));
        }
        return endpoints;
    }

    /** MQTT and AMQP over WebSockets on the HTTPS port, with the same options as on their own ports. */
    private static WebSocketProtocols webSockets(GatewayCore core, MqttOptions mqtt, AmqpOptions amqp) {
        return new WebSocketProtocols(Map.of(
                WebSocketProtocols.MQTT, MqttChannelInitializer.protocolHandlers(core, mqtt),
                WebSocketProtocols.AMQP, AmqpChannelInitializer.protocolHandlers(core, amqp)),
                Math.max(mqtt.maxPacketSize(), amqp.maxFrameSize()));
    }
}
