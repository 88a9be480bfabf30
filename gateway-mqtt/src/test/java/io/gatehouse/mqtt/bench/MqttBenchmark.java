package io.gatehouse.mqtt.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.store.Store;
import io.gatehouse.journal.JournalOptions;
import io.gatehouse.journal.JournalStore;
import io.gatehouse.journal.SyncPolicy;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.core.testing.GatewayThreads;
import io.gatehouse.mqtt.MqttOptions;
import io.gatehouse.mqtt.support.MqttTestServer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * D2C throughput and PUBACK latency of the MQTT endpoint: N devices publish QoS 1 telemetry as fast as their
 * in-flight window allows; gateway and load generator (HiveMQ async clients) run in this one JVM, and the
 * gateway's CPU is measured on its own threads (event loops, core shards, store threads: every thread whose
 * name starts with "gatehouse").
 *
 * <p>Arguments ({@code key=value}): {@code devices=1,100,1000} {@code seconds=10} {@code warmup=5}
 * {@code payload=256} {@code window=auto} (per device; auto = 512 / devices within 1..64)
 * {@code loops=2} (gateway event loops) {@code loadThreads=2} (HiveMQ Netty threads)
 * {@code store=memory} (not durable), {@code store=journal} (durable, group commit) or
 * {@code store=journal:<sync policy>} (e.g. {@code journal:always}, {@code journal:never});
 * {@code dir=<path>} (default: a fresh temporary directory per run).
 */
public final class MqttBenchmark {

    private static final String TOPIC_BAG = "$.ct=application%2Fjson&$.ce=utf-8";

    public static void main(String[] args) throws Exception {
        // one log line per connection is right for a gateway, noise for a benchmark that opens a thousand
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.gatehouse"))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        Map<String, String> a = parse(args);
        int seconds = Integer.parseInt(a.getOrDefault("seconds", "10"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "5"));
        int payload = Integer.parseInt(a.getOrDefault("payload", "256"));
        int loops = Integer.parseInt(a.getOrDefault("loops", "2"));
        int loadThreads = Integer.parseInt(a.getOrDefault("loadThreads", "2"));
        String store = a.getOrDefault("store", "memory");
        System.out.printf("MQTT D2C benchmark: QoS 1, %d-byte payloads, %d s measured after %d s warm-up, store=%s, "
                + "gateway loops=%d, cores=%d%n", payload, seconds, warmup, store, loops,
                Runtime.getRuntime().availableProcessors());
        System.out.printf("%8s %7s %10s %9s %9s %9s %9s %13s %13s %12s %8s%n", "devices", "window", "msgs/s", "p50 us",
                "p99 us", "p99.9 us", "max us", "gw CPU us/msg", "all CPU us/msg", "gw B/msg", "durable");
        for (String count : a.getOrDefault("devices", "1,100,1000").split(",")) {
            int devices = Integer.parseInt(count.trim());
            int window = a.getOrDefault("window", "auto").equals("auto")
                    ? Math.max(1, Math.min(64, 512 / devices)) : Integer.parseInt(a.get("window"));
            Path dir = a.containsKey("dir") ? Path.of(a.get("dir")).resolve("run-" + devices)
                    : Files.createTempDirectory("gatehouse-bench-");
            run(devices, window, payload, warmup, seconds, loops, loadThreads, storeFactory(store, dir));
        }
        System.exit(0);
    }

    private static void run(int devices, int window, int payloadSize, int warmup, int seconds, int loops,
                            int loadThreads, Function<HubSettings, Store> store) throws Exception {
        try (MqttTestServer server = MqttTestServer.builder().store(store).eventLoops(loops)
                .options(MqttOptions.builder().maxPendingTelemetry(Math.max(MqttOptions.DEFAULT_MAX_PENDING_TELEMETRY, window)).build())
                .start()) {
            MqttClientExecutorConfig executor = MqttClientExecutorConfig.builder().nettyThreads(loadThreads).build();
            byte[] payload = new byte[payloadSize];
            new Random(1).nextBytes(payload);
            List<Device> all = new ArrayList<>(devices);
            for (int i = 0; i < devices; i++) {
                String id = "bench-" + i;
                server.createDevice(id);
                all.add(new Device(server, id, executor, payload));
            }
            connectInBatches(all, 100);

            Recorder latency = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
            LongAdder acked = new LongAdder();
            all.forEach(d -> d.start(window, latency, acked));
            TimeUnit.SECONDS.sleep(warmup);

            latency.reset();
            long ackedBefore = acked.sum();
            long gatewayCpuBefore = GatewayThreads.cpuNanos();
            long gatewayAllocatedBefore = GatewayThreads.allocatedBytes();
            long processCpuBefore = processCpuNanos();
            long started = System.nanoTime();
            TimeUnit.SECONDS.sleep(seconds);
            long elapsed = System.nanoTime() - started;
            long messages = acked.sum() - ackedBefore;
            long gatewayCpu = GatewayThreads.cpuNanos() - gatewayCpuBefore;
            long gatewayAllocated = GatewayThreads.allocatedBytes() - gatewayAllocatedBefore;
            long processCpu = processCpuNanos() - processCpuBefore;
            Histogram h = latency.getIntervalHistogram();

            all.forEach(Device::stop);
            all.forEach(Device::awaitIdle);
            all.forEach(Device::disconnect);
            System.out.printf("%8d %7d %10.0f %9d %9d %9d %9d %13.2f %13.2f %12d %8s%n", devices, window,
                    messages * 1e9 / elapsed, h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                    h.getValueAtPercentile(99.9), h.getMaxValue(), gatewayCpu / 1e3 / Math.max(1, messages),
                    processCpu / 1e3 / Math.max(1, messages), gatewayAllocated / Math.max(1, messages),
                    server.core.isDurable() ? "yes" : "no");
            long stored = server.core.events().appendedCount();
            if (stored < acked.sum()) {
                throw new IllegalStateException("acknowledged " + acked.sum() + " but stored only " + stored);
            }
        }
    }

    private static void connectInBatches(List<Device> devices, int batch) {
        for (int i = 0; i < devices.size(); i += batch) {
            List<CompletableFuture<?>> connecting = new ArrayList<>();
            for (Device d : devices.subList(i, Math.min(devices.size(), i + batch))) {
                connecting.add(d.connect());
            }
            CompletableFuture.allOf(connecting.toArray(CompletableFuture[]::new)).join();
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static Function<HubSettings, Store> storeFactory(String spec, Path dir) {
        if (spec.equals("memory")) {
            return settings -> new InMemoryStore(settings.eventPartitions());
        }
        SyncPolicy sync = SyncPolicy.parse(spec.startsWith("journal:") ? spec.substring("journal:".length()) : "batch");
        if (!spec.equals("journal") && !spec.startsWith("journal:")) {
            throw new IllegalArgumentException("store must be memory, journal or journal:<sync policy>, not " + spec);
        }
        return settings -> JournalStore.open(dir, JournalOptions.defaults(settings.eventPartitions()).withSync(sync));
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> map = new HashMap<>();
        for (String arg : args) {
            for (String part : arg.trim().split("\\s+")) {
                int eq = part.indexOf('=');
                if (eq > 0) {
                    map.put(part.substring(0, eq), part.substring(eq + 1));
                }
            }
        }
        return map;
    }

    /** One simulated device: a HiveMQ async client keeping {@code window} QoS 1 publishes in flight. */
    private static final class Device {
        private final MqttTestServer server;
        private final String id;
        private final Mqtt3AsyncClient client;
        private final Mqtt3Publish publish;
        private final AtomicInteger inFlight = new AtomicInteger();
        private volatile boolean running;
        private Recorder latency;
        private LongAdder acked;

        Device(MqttTestServer server, String id, MqttClientExecutorConfig executor, byte[] payload) {
            this.server = server;
            this.id = id;
            this.client = MqttClient.builder().useMqttVersion3().identifier(id).serverHost("127.0.0.1")
                    .serverPort(server.port()).executorConfig(executor).buildAsync();
            this.publish = Mqtt3Publish.builder().topic("devices/" + id + "/messages/events/" + TOPIC_BAG)
                    .qos(MqttQos.AT_LEAST_ONCE).payload(payload).build();
        }

        CompletableFuture<?> connect() {
            return client.connectWith().cleanSession(true).keepAlive(60).simpleAuth()
                    .username(MqttTestServer.userName(id)).password(server.token(id).getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth().send();
        }

        void start(int window, Recorder recorder, LongAdder counter) {
            latency = recorder;
            acked = counter;
            running = true;
            for (int i = 0; i < window; i++) {
                inFlight.incrementAndGet();
                sendNext();
            }
        }

        private void sendNext() {
            if (!running) {
                inFlight.decrementAndGet();
                return;
            }
            long sent = System.nanoTime();
            client.publish(publish).whenComplete((ack, failure) -> {
                if (failure != null) {
                    System.err.println(id + ": publish failed: " + failure);
                    inFlight.decrementAndGet();
                    return;
                }
                latency.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - sent), 60_000_000));
                acked.increment();
                sendNext();
            });
        }

        void stop() {
            running = false;
        }

        void awaitIdle() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }

        void disconnect() {
            client.disconnect().join();
        }
    }
}
