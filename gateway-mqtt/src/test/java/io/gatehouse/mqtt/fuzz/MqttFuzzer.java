package io.gatehouse.mqtt.fuzz;

import io.gatehouse.core.testing.LogCapture;
import io.gatehouse.mqtt.MqttOptions;
import io.gatehouse.mqtt.support.MqttTestServer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The long fuzz run, as a command: {@code seconds=600 threads=4 seed=123}. Starts a gateway on an ephemeral
 * port, fuzzes it from several threads, then checks that it still serves, holds no connection and leaked no
 * buffer (run with -Dio.netty.leakDetection.level=paranoid for the last).
 */
public final class MqttFuzzer {

    public static void main(String[] args) throws Exception {
        // tens of thousands of refused connections: keep their one-line-each INFO logs out, warnings in
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.gatehouse"))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        Map<String, String> options = new java.util.HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            options.put(eq < 0 ? arg : arg.substring(0, eq), eq < 0 ? "" : arg.substring(eq + 1));
        }
        long seconds = Long.parseLong(options.getOrDefault("seconds", "60"));
        int threads = Integer.parseInt(options.getOrDefault("threads", "4"));
        long seed = Long.parseLong(options.getOrDefault("seed", Long.toString(System.nanoTime())));
        System.out.printf("fuzzing for %d s with %d threads, seed %d%n", seconds, threads, seed);

        try (LogCapture leaks = new LogCapture("io.netty.util.ResourceLeakDetector");
             MqttTestServer server = MqttTestServer.builder()
                     .options(MqttOptions.builder().connectTimeout(Duration.ofSeconds(2)).build()).start()) {
            server.createDevice("fuzz");
            MqttFuzz fuzz = new MqttFuzz(server.port(), "fuzz", MqttTestServer.userName("fuzz"), server.token("fuzz"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            Map<MqttFuzz.Kind, AtomicLong> counts = new EnumMap<>(MqttFuzz.Kind.class);
            for (MqttFuzz.Kind kind : MqttFuzz.Kind.values()) {
                counts.put(kind, new AtomicLong());
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            Future<?>[] workers = new Future<?>[threads];
            for (int t = 0; t < threads; t++) {
                Random random = new Random(seed + t);
                workers[t] = pool.submit(() -> {
                    while (System.nanoTime() < deadline) {
                        counts.get(fuzz.runOne(random)).incrementAndGet();
                    }
                });
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
            pool.shutdown();
            System.out.println("cases: " + counts);
            FuzzCheck.check(server, leaks);
            System.out.println("OK: still serving, no connection left open, no leak reported");
        }
        System.exit(0);
    }
}
