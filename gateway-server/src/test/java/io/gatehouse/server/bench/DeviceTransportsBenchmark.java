package io.gatehouse.server.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.Device;
import io.gatehouse.server.Gatehouse;
import io.gatehouse.server.config.GatehouseConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Bounded load on the device transports of one in-process gateway (gateway and load in one JVM, sharing the
 * machine's cores, so the figures are a floor for the gateway alone):
 * <ol>
 *   <li>HTTPS telemetry: {@code connections} keep-alive connections, each sending POSTs back to back;</li>
 *   <li>MQTT telemetry, QoS 1 with {@code window} PUBLISHes in flight per device, over TLS (8883's listener) and
 *       then the same load over WebSockets on the HTTPS listener.</li>
 * </ol>
 * Not part of the build's tests. Run:
 * <pre>
 * ./mvnw -B -q -pl gateway-server -am -Ptransports-bench test -DskipTests \
 *     -Dbench.args="seconds=5 connections=8 devices=8 window=16 payload=256 store=memory"
 * </pre>
 */
public final class DeviceTransportsBenchmark {

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = parse(argv);
        int seconds = Integer.parseInt(args.getOrDefault("seconds", "5"));
        int connections = Integer.parseInt(args.getOrDefault("connections", "8"));
        int devices = Integer.parseInt(args.getOrDefault("devices", "8"));
        int window = Integer.parseInt(args.getOrDefault("window", "16"));
        byte[] payload = new byte[Integer.parseInt(args.getOrDefault("payload", "256"))];
        Path dir = Files.createTempDirectory("gatehouse-bench");
        Map<String, String> config = new HashMap<>(Map.of("dataDir", dir.toString(), "bindAddress", "127.0.0.1",
                "mqtt.port", "0", "mqtt.plainEnabled", "false", "amqp.port", "0", "amqp.plainEnabled", "false",
                "https.port", "0", "health.enabled", "false", "store.type", args.getOrDefault("store", "memory")));
        try (Gatehouse gateway = Gatehouse.start(GatehouseConfig.of(config))) {
            SSLContext ssl = trustOnly(gateway.tls().trustFile());
            List<Device> fleet = new ArrayList<>();
            for (int i = 0; i < Math.max(connections, devices); i++) {
                fleet.add(gateway.core().registry().create(DeviceId.of("bench-" + i)).join());
            }
            System.out.printf("gateway: store=%s, %d cores; load in the same JVM; %d s per run after 1 s warm-up%n",
                    config.get("store.type"), Runtime.getRuntime().availableProcessors(), seconds);
            double https = httpsTelemetry(gateway.port("https").orElseThrow(), ssl, fleet.subList(0, connections), payload, seconds);
            System.out.printf("HTTPS telemetry, %d keep-alive connections: %.0f requests/s%n", connections, https);
            // alternated rounds: the first run of a JVM also pays for its JIT warm-up
            int rounds = Integer.parseInt(args.getOrDefault("rounds", "2"));
            for (int round = 1; round <= rounds; round++) {
                for (boolean webSocket : new boolean[] {false, true}) {
                    double rate = mqttTelemetry(gateway, ssl, fleet.subList(0, devices), webSocket, window, payload, seconds);
                    System.out.printf("round %d: MQTT QoS 1 telemetry over %s, %d devices x %d in flight: %.0f msgs/s%n", round,
                            webSocket ? "WebSockets (wss, 443 listener)" : "TLS (8883 listener)", devices, window, rate);
                }
            }
        }
    }

    /** Requests per second over {@code devices.size()} keep-alive connections, one device per connection. */
    static double httpsTelemetry(int port, SSLContext ssl, List<Device> devices, byte[] payload, int seconds) throws Exception {
        LongAdder done = new LongAdder();
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        List<RawHttpsConnection> connections = new ArrayList<>();
        for (Device device : devices) {
            RawHttpsConnection connection = new RawHttpsConnection(ssl, port);
            connections.add(connection);
            byte[] request = RawHttpsConnection.post("/devices/" + device.id() + "/messages/events?api-version=2020-09-30",
                    SasTokens.deviceToken("127.0.0.1", device.id().value(), device.keys().primaryKey(),
                            Instant.now().plusSeconds(3600)), payload);
            Thread thread = new Thread(() -> {
                try {
                    while (running.get()) {
                        int status = connection.exchange(request);
                        if (status != 204) {
                            throw new IllegalStateException("HTTP " + status);
                        }
                        if (counting.get()) {
                            done.increment();
                        }
                    }
                } catch (java.io.IOException e) {
                    if (running.get()) {
                        throw new IllegalStateException(e);
                    }
                }
            }, "bench-https-" + device.id());
            thread.start();
            threads.add(thread);
        }
        double rate = measure(done, counting, running, seconds, List.of());
        for (RawHttpsConnection connection : connections) {
            connection.close();
        }
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        return rate;
    }

    /** PUBACKed messages per second, each device keeping {@code window} QoS 1 PUBLISHes in flight. */
    static double mqttTelemetry(Gatehouse gateway, SSLContext ssl, List<Device> devices, boolean webSocket, int window,
                                byte[] payload, int seconds) throws Exception {
        LongAdder done = new LongAdder();
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Mqtt3AsyncClient> clients = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        TrustManagerFactory trust = trustManagers(gateway.tls().trustFile());
        for (Device device : devices) {
            String id = device.id().value();
            Mqtt3ClientBuilder builder = MqttClient.builder().useMqttVersion3().identifier(id).serverHost("127.0.0.1")
                    .sslConfig().trustManagerFactory(trust).applySslConfig();
            builder = webSocket
                    ? builder.serverPort(gateway.port("https").orElseThrow())
                            .webSocketConfig().serverPath("$iothub/websocket").subprotocol("mqtt").applyWebSocketConfig()
                    : builder.serverPort(gateway.port("mqtt").orElseThrow());
            Mqtt3AsyncClient client = builder.buildAsync();
            client.connectWith().cleanSession(true).keepAlive(60).simpleAuth()
                    .username("127.0.0.1/" + id + "/?api-version=2021-04-12")
                    .password(SasTokens.deviceToken("127.0.0.1", id, device.keys().primaryKey(), Instant.now().plusSeconds(3600))
                            .getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth().send().get(30, TimeUnit.SECONDS);
            clients.add(client);
            String topic = "devices/" + id + "/messages/events/";
            Semaphore inFlight = new Semaphore(window);
            Thread thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        inFlight.acquire();
                    } catch (InterruptedException e) {
                        return;
                    }
                    client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send()
                            .whenComplete((ack, failure) -> {
                                inFlight.release();
                                if (failure == null && counting.get()) {
                                    done.increment();
                                }
                            });
                }
            }, "bench-mqtt-" + id);
            thread.start();
            threads.add(thread);
        }
        double rate = measure(done, counting, running, seconds, threads);
        CompletableFuture.allOf(clients.stream().map(Mqtt3AsyncClient::disconnect).toArray(CompletableFuture[]::new))
                .get(30, TimeUnit.SECONDS);
        return rate;
    }

    private static double measure(LongAdder done, AtomicBoolean counting, AtomicBoolean running, int seconds,
                                  List<Thread> threads) throws InterruptedException {
        Thread.sleep(1000); // warm-up: a fixed stretch of wall time is what a throughput benchmark measures
        counting.set(true);
        long start = System.nanoTime();
        Thread.sleep(Duration.ofSeconds(seconds).toMillis());
        counting.set(false);
        double elapsed = (System.nanoTime() - start) / 1e9;
        running.set(false);
        for (Thread thread : threads) {
            thread.interrupt();
            thread.join(10_000);
        }
        return done.sum() / elapsed;
    }

    private static TrustManagerFactory trustManagers(Path caFile) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf;
    }

    private static SSLContext trustOnly(Path caFile) throws Exception {
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, trustManagers(caFile).getTrustManagers(), null);
        return ssl;
    }

    private static Map<String, String> parse(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (String arg : argv) {
            int eq = arg.indexOf('=');
            if (eq > 0) {
                args.put(arg.substring(0, eq), arg.substring(eq + 1));
            }
        }
        return args;
    }

    private DeviceTransportsBenchmark() {
    }
}
