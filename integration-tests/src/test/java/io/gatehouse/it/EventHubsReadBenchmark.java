package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.amqp.AmqpRetryOptions;
import com.azure.messaging.eventhubs.EventHubConsumerAsyncClient;
import com.azure.messaging.eventhubs.models.EventPosition;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.gatehouse.core.auth.SasTokens;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.apache.qpid.protonj2.client.Client;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.ConnectionOptions;
import org.apache.qpid.protonj2.client.Delivery;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.ReceiverOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * Read throughput of the Event Hub-compatible endpoint from a backlog: the official Event Hubs SDK for Java
 * ({@code EventHubConsumerAsyncClient}, one receiver per partition, its default prefetch) beside the project's own
 * reader (AMQP receivers of the same partition addresses, protonj2, credit 1,000: what the benchmark harness
 * uses), both over AMQPS. Events/s and CPU per event, of the gateway process and of the reading JVM. Not part of the build: run with
 * {@code -Peventhubs-bench} (docs/event-hubs.md); {@code -Dbench.events=N} sets the backlog (default 1,000,000).
 */
class EventHubsReadBenchmark {

    private static final int PARTITIONS = 4;
    private static final String KEY = "dGhpcyBpcyBhIGRldmljZSBrZXkgb2YgMzIgYnl0ZXM=";
    private static final byte[] BODY = ("{\"temperature\":21.5,\"humidity\":40,\"site\":\"benchmark\",\"pad\":\""
            + "x".repeat(40) + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);

    @Test
    void readABacklogWithTheEventHubsSdkAndWithPlainAmqp(@TempDir Path dir) throws Exception {
        long events = Long.getLong("bench.events", 1_000_000);
        List<String> devices = List.copyOf(EventHubsGatewayConfig.onePerPartition("bench", PARTITIONS, PARTITIONS).values());
        String yaml = EventHubsGatewayConfig.yaml(PARTITIONS, devices, KEY);
        try (GatewayProcess gateway = GatewayProcess.configured(dir.resolve("data"), yaml).start()) {
            long started = System.nanoTime();
            fill(gateway, devices, events / PARTITIONS);
            long total = events / PARTITIONS * PARTITIONS;
            double fillSeconds = (System.nanoTime() - started) / 1e9;
            StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                    "backlog: %,d events of %d bytes over %d partitions, written over MQTT QoS 1 in %.1f s (%,.0f/s)%n",
                    total, BODY.length, PARTITIONS, fillSeconds, total / fillSeconds));

            SSLContext previous = EventHubsEndpoint.trustOnlyTheGatewayCa(gateway);
            try {
                EventHubsEndpoint endpoint = new EventHubsEndpoint(gateway);
                report.append(measure("Event Hubs SDK (azure-messaging-eventhubs, AMQPS)", gateway, total,
                        () -> readWithSdk(endpoint, total)));
                report.append(measure("own reader (protonj2 AMQPS, credit 1000)", gateway, total,
                        () -> readWithAmqp(gateway, total)));
            } finally {
                SSLContext.setDefault(previous);
            }
            System.out.print(report);
            Files.writeString(Path.of("target", "eventhubs-read-benchmark.txt"), report.toString());
        }
    }

    private interface Read {
        long run() throws Exception;
    }

    private static String measure(String name, GatewayProcess gateway, long expected, Read read) throws Exception {
        long gatewayCpu = processCpuNanos(gateway.pid());
        long ownCpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        long started = System.nanoTime();
        long read1 = read.run();
        double seconds = (System.nanoTime() - started) / 1e9;
        double gatewayCpuUs = (processCpuNanos(gateway.pid()) - gatewayCpu) / 1e3 / read1;
        double clientCpuUs = (((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() - ownCpu) / 1e3 / read1;
        assertThat(read1).as(name).isEqualTo(expected);
        return String.format(Locale.ROOT, "%-52s %,10d events in %6.1f s = %,9.0f events/s; CPU per event: gateway %5.1f µs, reader %5.1f µs%n",
                name, read1, seconds, read1 / seconds, gatewayCpuUs, clientCpuUs);
    }

    /** utime + stime of a process from /proc (Linux), in nanoseconds. */
    private static long processCpuNanos(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return ticks * 10_000_000L; // USER_HZ is 100 on Linux
    }

    /** Each device publishes its share with QoS 1, at most 1,000 unacknowledged at a time. */
    private static void fill(GatewayProcess gateway, List<String> devices, long perDevice) throws Exception {
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (String device : devices) {
            Thread t = new Thread(() -> {
                try {
                    Mqtt3AsyncClient client = MqttDevices.client(gateway, device, KEY);
                    client.connect().get(30, TimeUnit.SECONDS);
                    Semaphore inFlight = new Semaphore(1000);
                    String topic = "devices/" + device + "/messages/events/";
                    for (long i = 0; i < perDevice; i++) {
                        inFlight.acquire();
                        client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(BODY).send()
                                .whenComplete((ack, e) -> {
                                    if (e != null) {
                                        failure.compareAndSet(null, e);
                                    }
                                    inFlight.release();
                                });
                    }
                    inFlight.acquire(1000);
                    client.disconnect().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }, "fill-" + device);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("filling the backlog failed", failure.get());
        }
    }

    private static long readWithSdk(EventHubsEndpoint endpoint, long total) throws Exception {
        AtomicLong count = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        List<Disposable> subscriptions = new ArrayList<>();
        try (EventHubConsumerAsyncClient client = endpoint.client("sdk-bench")
                .retryOptions(new AmqpRetryOptions().setTryTimeout(Duration.ofSeconds(60))).buildAsyncConsumerClient()) {
            for (int p = 0; p < PARTITIONS; p++) {
                subscriptions.add(client.receiveFromPartition(Integer.toString(p), EventPosition.earliest()).subscribe(e -> {
                    if (count.incrementAndGet() == total) {
                        done.countDown();
                    }
                }, e -> done.countDown()));
            }
            done.await(30, TimeUnit.MINUTES);
            subscriptions.forEach(Disposable::dispose);
        }
        return count.get();
    }

    private static long readWithAmqp(GatewayProcess gateway, long total) throws Exception {
        Map<String, String> cs = GatewayProcess.parts(gateway.serviceConnectionString());
        String token = SasTokens.serviceToken(cs.get("HostName"), cs.get("SharedAccessKeyName"), cs.get("SharedAccessKey"),
                Instant.now().plusSeconds(3600));
        ConnectionOptions options = new ConnectionOptions().user(cs.get("SharedAccessKeyName")).password(token);
        options.saslOptions().addAllowedMechanism("PLAIN");
        options.sslOptions().sslEnabled(true).sslContextOverride(DevelopmentCaTrust.sslContext(gateway.caCertificate()));
        AtomicLong count = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Client client = Client.create(); Connection connection = client.connect("localhost", gateway.port("amqp"), options)) {
            List<Thread> readers = new ArrayList<>();
            long perPartition = total / PARTITIONS;
            for (int p = 0; p < PARTITIONS; p++) {
                Receiver receiver = connection.openReceiver("gatehouse/ConsumerGroups/amqp-bench/Partitions/" + p,
                        new ReceiverOptions().creditWindow(1000).autoAccept(false).autoSettle(true));
                Thread t = new Thread(() -> {
                    try {
                        for (long i = 0; i < perPartition; i++) {
                            Delivery d = receiver.receive(60, TimeUnit.SECONDS);
                            if (d == null) {
                                throw new AssertionError("no event within 60 s after " + i);
                            }
                            d.message();
                            count.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "amqp-read-" + p);
                t.start();
                readers.add(t);
            }
            for (Thread t : readers) {
                t.join();
            }
        }
        if (failure.get() != null) {
            throw new AssertionError("reading failed", failure.get());
        }
        return count.get();
    }
}
