package io.gatehouse.http;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.http.console.ConnectionDetails;
import io.gatehouse.http.console.ConnectionInfoRoutes;
import io.gatehouse.http.console.ConsoleRedirect;
import io.gatehouse.http.console.ConsoleRoutes;
import io.gatehouse.http.console.TelemetryStreamRoute;
import io.gatehouse.http.device.DeviceMessagingRoutes;
import io.gatehouse.http.websocket.WebSocketProtocols;
import io.gatehouse.transport.ProtocolEndpoint;
import io.gatehouse.transport.ProtocolEndpoint.Port;
import io.netty.handler.ssl.SslContext;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * HTTPS on the given ports: IoT Hub's registry REST API, its HTTPS device API, Gatehouse's service and operations
 * routes, the web console with the routes only it uses, and MQTT and AMQP over WebSockets.
 */
public final class HttpEndpoint {

    private HttpEndpoint() {
    }

    /**
     * @param metricsScrape the Prometheus text served on {@code /metrics}
     * @param timers where long-polls wait
     * @param details the gateway's host name, ports and trusted certificate, for the console
     */
    public static ProtocolEndpoint create(GatewayCore core, SslContext sslContext, List<Port> ports,
                                          Supplier<String> metricsScrape, ScheduledExecutorService timers,
                                          ConnectionDetails details) {
        return create(core, sslContext, ports, metricsScrape, timers, details, WebSocketProtocols.none());
    }

    /** @param webSockets the device protocols served over WebSockets on the same ports */
    public static ProtocolEndpoint create(GatewayCore core, SslContext sslContext, List<Port> ports,
                                          Supplier<String> metricsScrape, ScheduledExecutorService timers,
                                          ConnectionDetails details, WebSocketProtocols webSockets) {
        Router router = new Router();
        new RegistryRoutes(core).register(router);
        new ModuleRoutes(core).register(router);
        new ServiceRoutes(core, timers).register(router);
        new TwinRoutes(core).register(router);
        new OperationsRoutes(core, metricsScrape).register(router);
        new ConsoleRoutes().register(router);
        new ConnectionInfoRoutes(core, details).register(router);
        new TelemetryStreamRoute(core).register(router);
        new DeviceMessagingRoutes(core).register(router);
        return ProtocolEndpoint.of("https", ports, sslContext,
                tls -> new RestChannelInitializer(router, core.authenticator(), tls, webSockets));
    }

    /**
     * Plain HTTP with {@code /health} and {@code /metrics} only: for container health checks and scrapers that
     * have neither the CA nor a token. Nothing on it needs or accepts a token, so none travels in clear; its
     * {@code /console} redirects to the console on HTTPS.
     */
    public static ProtocolEndpoint probes(GatewayCore core, List<Port> ports, Supplier<String> metricsScrape,
                                          ConnectionDetails details) {
        Router router = new Router();
        new OperationsRoutes(core, metricsScrape).registerProbes(router);
        new ConsoleRedirect(details).register(router);
        return ProtocolEndpoint.of("http", ports, null, tls -> new RestChannelInitializer(router, core.authenticator(), null));
    }
}
