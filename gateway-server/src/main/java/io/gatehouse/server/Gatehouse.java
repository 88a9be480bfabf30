package io.gatehouse.server;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.exec.PassWakes;
import io.gatehouse.core.registry.AccessPolicy;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.registry.KeySource;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.store.Store;
import io.gatehouse.server.config.GatehouseConfig;
import io.gatehouse.server.metrics.CoreMetrics;
import io.gatehouse.server.metrics.MeteredStore;
import io.gatehouse.tls.TlsMaterial;
import io.gatehouse.transport.Listener;
import io.gatehouse.transport.NettyTransport;
import io.gatehouse.transport.PortUnavailableException;
import io.gatehouse.transport.ProtocolEndpoint;
import io.gatehouse.transport.ProtocolEndpoint.Port;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: store, core, TLS, and the listeners of its protocol endpoints, built from one
 * {@link GatehouseConfig}. Embeddable (tests start one in-process on ephemeral ports) and what
 * {@code gatehouse start} runs.
 *
 * <p>Shutdown is graceful: stop accepting, close connections (their in-flight C2D messages are abandoned
 * and pending acknowledgements dropped, so clients resend), let the core finish what it started, then
 * flush and close the store.
 */
public final class Gatehouse implements AutoCloseable {

    /** Where in the data directory the development certificates are kept. */
    public static final String TLS_DIRECTORY = "tls";
    private static final Logger log = LoggerFactory.getLogger(Gatehouse.class);

    private final GatehouseConfig config;
    private final DataDirectoryLock lock;
    private final Store store;
    private final GatewayCore core;
    private final TlsMaterial tls;
    private final NettyTransport transport;
    private final ScheduledExecutorService timers;
    private final PrometheusMeterRegistry metrics;
    /** Written while starting, read by requests that may arrive meanwhile (the console asks for the ports). */
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private Gatehouse(GatehouseConfig config) throws IOException {
        this.config = config.withoutDevices();
        this.lock = DataDirectoryLock.acquire(config.dataDir());
        Store openedStore = null;
        GatewayCore startedCore = null;
        NettyTransport startedTransport = null;
        ScheduledExecutorService startedTimers = null;
        try {
            metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            openedStore = MeteredStore.wrap(Stores.open(config), metrics);
            startedCore = GatewayCore.builder().settings(config.hub()).store(openedStore).shards(config.shards())
                    .keys(config.wellKnownKeys() ? new WellKnownKeys() : KeySource.RANDOM).start();
            if (config.wellKnownKeys()) {
                WellKnownKeys.applyToPolicies(startedCore);
            }
            DeclaredDevices.apply(config.devices(), startedCore.registry());
            tls = config.tlsCertificateFile() != null
                    ? TlsMaterial.supplied(config.tlsCertificateFile(), config.tlsKeyFile())
                    : TlsMaterial.development(dataDir().resolve(TLS_DIRECTORY), config.hostName());
            CoreMetrics.bind(startedCore, metrics);
            startedTransport = NettyTransport.create(0);
            // an event loop hands many packets' work to the shards in one pass: wake each shard once per pass
            startedTransport.setUpWorkers(PassWakes::install);
            startedTimers = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "gatehouse-timers");
                t.setDaemon(true);
                return t;
            });
            store = openedStore;
            core = startedCore;
            transport = startedTransport;
            timers = startedTimers;
            bindListeners();
        } catch (IOException | RuntimeException e) {
            listeners.forEach(Listener::stopAccepting);
            if (startedTimers != null) {
                startedTimers.shutdownNow();
            }
            if (startedTransport != null) {
                startedTransport.close();
            }
            if (startedCore != null) {
                startedCore.close();
            }
            if (openedStore != null) {
                openedStore.close();
            }
            lock.close();
            throw e;
        }
    }

    /** Starts a gateway; returns once every listener accepts connections. */
    public static Gatehouse start(GatehouseConfig config) throws IOException {
        return new Gatehouse(config);
    }

    private void bindListeners() throws IOException {
        for (ProtocolEndpoint endpoint : ProtocolEndpoints.of(config, core, tls, this::boundPorts, metrics::scrape, timers)) {
            for (Port port : endpoint.ports()) {
                listeners.add(bind(endpoint, port));
            }
        }
    }

    /**
     * Binds one port. HTTPS whose port is privileged falls back to {@code https.fallbackPort} with one warning, so
     * a user who is not root still gets a working hub; any other failure is one line naming the port, the reason
     * and the remedy.
     */
    private Listener bind(ProtocolEndpoint endpoint, Port port) {
        try {
            return Listener.bind(port.name(), transport, config.bindAddress(), port.number(), endpoint.initializer(port));
        } catch (PortUnavailableException e) {
            boolean privileged = e.reason() == PortUnavailableException.Reason.PERMISSION_DENIED;
            if (privileged && port.name().equals("https") && config.httpsFallbackPort() > 0) {
                log.warn("HTTPS listens on {} instead of {}: this process may not bind ports below 1024. The Azure SDKs "
                        + "dial 443 for REST; to grant it, see docs/ports-and-privileges.md (setcap, "
                        + "net.ipv4.ip_unprivileged_port_start, a port forward)", config.httpsFallbackPort(), port.number());
                return Listener.bind(port.name(), transport, config.bindAddress(), config.httpsFallbackPort(),
                        endpoint.initializer(port));
            }
            String property = ProtocolEndpoints.PORT_PROPERTY.getOrDefault(port.name(), port.name() + " port");
            String remedy = switch (e.reason()) {
                case PERMISSION_DENIED -> "ports below 1024 need privileges: grant them (docs/ports-and-privileges.md) or set "
                        + property + " to a port above 1023";
                case IN_USE -> "another program listens there (another Gatehouse or broker?): stop it or set " + property;
                case OTHER -> "check " + property + " and bindAddress";
            };
            throw new IllegalStateException(e.getMessage() + "; " + remedy, e);
        }
    }

    public GatehouseConfig config() {
        return config;
    }

    public GatewayCore core() {
        return core;
    }

    public TlsMaterial tls() {
        return tls;
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    /** The bound port of a listener by name ({@code https}, {@code mqtt}, {@code mqtt-plain}, ...). */
    public Optional<Integer> port(String listener) {
        return listeners.stream().filter(l -> l.name().equals(listener)).map(Listener::port).findFirst();
    }

    public List<Listener> listeners() {
        return List.copyOf(listeners);
    }

    public String hostName() {
        return config.hostName();
    }

    /** IoT Hub's service connection string for the {@code iothubowner} policy. */
    public String serviceConnectionString() {
        AccessPolicy owner = core.policies().get("iothubowner").orElseThrow();
        return "HostName=" + config.hostName() + ";SharedAccessKeyName=" + owner.name()
                + ";SharedAccessKey=" + owner.keys().primaryKey();
    }

    /** The Event Hub-compatible endpoint's connection string (IoT Hub's "built-in endpoint"), for the Event Hubs SDKs. */
    public String eventHubConnectionString() {
        AccessPolicy owner = core.policies().get("iothubowner").orElseThrow();
        return "Endpoint=sb://" + config.hostName() + "/;SharedAccessKeyName=" + owner.name()
                + ";SharedAccessKey=" + owner.keys().primaryKey() + ";EntityPath=" + core.settings().hubName();
    }

    /** IoT Hub's device connection string for a registered device. */
    public Optional<String> deviceConnectionString(String deviceId) {
        if (!DeviceId.isValid(deviceId)) {
            return Optional.empty();
        }
        return core.registry().get(DeviceId.of(deviceId)).map(this::deviceConnectionString);
    }

    public String deviceConnectionString(Device device) {
        return "HostName=" + config.hostName() + ";DeviceId=" + device.id() + ";SharedAccessKey=" + device.keys().primaryKey();
    }

    /** What a client needs, as {@code gatehouse.json} records it. */
    public ConnectionInfo connectionInfo() {
        return new ConnectionInfo(config.hostName(), boundPorts(), serviceConnectionString(), eventHubConnectionString(),
                tls.trustFile().toString());
    }

    /** Each bound listener's port by name. */
    private Map<String, Integer> boundPorts() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        listeners.forEach(l -> ports.put(l.name(), l.port()));
        return ports;
    }

    public Path dataDir() {
        return config.dataDir().toAbsolutePath().normalize();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long started = System.nanoTime();
        listeners.forEach(Listener::stopAccepting);
        listeners.forEach(Listener::closeConnections);
        try {
            core.barrier().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("The core did not settle within 10 s of closing connections: {}", e.toString());
        }
        core.close();
        store.close();
        timers.shutdownNow();
        transport.close();
        try {
            lock.close();
        } catch (IOException e) {
            log.warn("Could not release the data directory lock: {}", e.toString());
        }
        log.info("Gateway stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }
}
