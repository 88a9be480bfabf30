package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability through the packaged gateway: devices publish QoS 1 telemetry and a service sends C2D messages
 * while the gateway process is killed with SIGKILL ({@code kill -9}) at random moments, several times. After
 * each restart, every acknowledged event must be stored, in order per device, and every accepted C2D message
 * must still be delivered. (Duplicates are allowed: at least once; losses are not.)
 */
class KillNineDurabilityIT {

    private static final String KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final int DEVICES = 6;
    private static final int ROUNDS = 4;
    private static final int IN_FLIGHT_PER_DEVICE = 32;
    private static final String C2D_TARGET = "c2d-target";

    @TempDir
    Path dir;

    /** Per device: the sequence numbers the gateway acknowledged (PUBACK received). */
    private final Map<String, Set<Long>> acknowledged = new ConcurrentHashMap<>();
    /** C2D message ids the gateway accepted (201). */
    private final Set<String> acceptedC2d = ConcurrentHashMap.newKeySet();
    private final long[] nextSequence = new long[DEVICES];

    @Test
    void acknowledgedDataSurvivesKillNineUnderLoad() throws Exception {
        StringBuilder yaml = new StringBuilder("""
                bindAddress: 127.0.0.1
                mqtt: {port: 0, plainPort: 0}
                amqp: {port: 0, plainPort: 0}
                https: {port: 0}
                health: {port: 0}
                cloudToDevice: {maxQueueDepth: 5000}
                devices:
                """);
        for (int d = 0; d < DEVICES; d++) {
            yaml.append("  - {id: ").append(device(d)).append(", primaryKey: ").append(KEY).append("}\n");
        }
        yaml.append("  - {id: ").append(C2D_TARGET).append(", primaryKey: ").append(KEY).append("}\n");
        Random random = new Random();
        try (GatewayProcess gateway = GatewayProcess.configured(dir.resolve("data"), yaml.toString())) {
            for (int round = 1; round <= ROUNDS; round++) {
                gateway.start();
                if (round > 1) {
                    assertEverythingAcknowledgedIsStored(gateway, "after restart " + (round - 1));
                }
                // the kill moment: after a random number of further acknowledgements, with publishes in flight
                long killAfter = totalAcknowledged() + 2_000 + random.nextInt(8_000);
                try (Load load = new Load(gateway)) {
                    load.start();
                    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> totalAcknowledged() >= killAfter);
                    gateway.kill();
                }
            }
            gateway.start();
            assertEverythingAcknowledgedIsStored(gateway, "after the last restart");
            assertEveryAcceptedC2dMessageIsDelivered(gateway);
            long events = totalAcknowledged();
            System.out.printf("kill -9 x%d under load: %d acknowledged events and %d accepted C2D messages, none lost%n",
                    ROUNDS, events, acceptedC2d.size());
            assertThat(events).as("the load acknowledged something").isGreaterThan(100);
            assertThat(acceptedC2d).as("C2D sends were accepted").isNotEmpty();
        }
    }

    private long totalAcknowledged() {
        return acknowledged.values().stream().mapToLong(Set::size).sum();
    }

    private static String device(int d) {
        return "durable-" + d;
    }

    /** Reads every partition back through the REST events route and checks each device's acknowledged sequence. */
    private void assertEverythingAcknowledgedIsStored(GatewayProcess gateway, String when) throws Exception {
        RestClient rest = new RestClient(gateway);
        Map<String, List<Long>> stored = new TreeMap<>();
        for (int partition = 0; partition < 4; partition++) {
            long from = 0;
            while (true) {
                JsonNode events = rest.json("GET", "/gatehouse/events/partitions/" + partition + "?from=" + from + "&max=1000", null);
                if (events.isEmpty()) {
                    break;
                }
                for (JsonNode e : events) {
                    stored.computeIfAbsent(e.get("deviceId").asText(), k -> new ArrayList<>()).add(Long.parseLong(e.get("body").asText()));
                    from = e.get("sequenceNumber").asLong() + 1;
                }
            }
        }
        for (Map.Entry<String, Set<Long>> device : acknowledged.entrySet()) {
            List<Long> sequence = stored.getOrDefault(device.getKey(), List.of());
            assertThat(new HashSet<>(sequence)).as("%s: events of %s acknowledged but not stored", when, device.getKey())
                    .containsAll(device.getValue());
            // in order: every round uses new clients that never resend, so a device's events only go up
            assertThat(sequence).as("%s: events of %s in order", when, device.getKey()).isSorted().doesNotHaveDuplicates();
        }
    }

    private void assertEveryAcceptedC2dMessageIsDelivered(GatewayProcess gateway) throws Exception {
        Set<String> received = ConcurrentHashMap.newKeySet();
        Mqtt3AsyncClient client = deviceClient(gateway, C2D_TARGET);
        client.publishes(MqttGlobalPublishFilter.ALL, p -> {
            String mid = MqttDevices.messageId(p.getTopic().toString());
            if (mid != null) {
                received.add(mid);
            }
        });
        client.connectWith().cleanSession(true).send().get(30, TimeUnit.SECONDS);
        client.subscribeWith().topicFilter("devices/" + C2D_TARGET + "/messages/devicebound/#").qos(MqttQos.AT_LEAST_ONCE)
                .send().get(30, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(received).as("accepted C2D messages delivered after the kills").containsAll(acceptedC2d));
        client.disconnect().get(10, TimeUnit.SECONDS);
    }

    private static Mqtt3AsyncClient deviceClient(GatewayProcess gateway, String deviceId) {
        return MqttDevices.client(gateway, deviceId, KEY);
    }

    /** Publishers (one client per device, a window of QoS 1 publishes each) and a REST C2D sender. */
    private final class Load implements AutoCloseable {
        private final List<Mqtt3AsyncClient> clients = new ArrayList<>();
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final RestClient rest;

        Load(GatewayProcess gateway) throws Exception {
            rest = new RestClient(gateway);
            for (int d = 0; d < DEVICES; d++) {
                Mqtt3AsyncClient client = deviceClient(gateway, device(d));
                client.connectWith().cleanSession(true).send().get(30, TimeUnit.SECONDS);
                clients.add(client);
            }
        }

        void start() {
            for (int d = 0; d < DEVICES; d++) {
                int device = d;
                Thread t = new Thread(() -> publish(device), "publisher-" + d);
                threads.add(t);
                t.start();
            }
            Thread c2d = new Thread(this::sendC2d, "c2d-sender");
            threads.add(c2d);
            c2d.start();
        }

        private void publish(int d) {
            String id = device(d);
            Set<Long> acked = acknowledged.computeIfAbsent(id, k -> Collections.newSetFromMap(new ConcurrentHashMap<>()));
            Semaphore window = new Semaphore(IN_FLIGHT_PER_DEVICE);
            Mqtt3AsyncClient client = clients.get(d);
            while (running.get()) {
                try {
                    if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                } catch (InterruptedException e) {
                    return;
                }
                long sequence = nextSequence[d]++;
                client.publishWith().topic("devices/" + id + "/messages/events/").qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Long.toString(sequence).getBytes(StandardCharsets.UTF_8)).send()
                        .whenComplete((ok, failure) -> {
                            if (failure == null) {
                                acked.add(sequence);
                            }
                            window.release();
                        });
            }
        }

        private void sendC2d() {
            int n = 0;
            while (running.get()) {
                String id = "c2d-" + System.nanoTime() + "-" + n++;
                try {
                    if (rest.send("POST", "/gatehouse/devices/" + C2D_TARGET + "/messages", "m", Map.of("iothub-messageid", id))
                            .statusCode() == 201) {
                        acceptedC2d.add(id);
                    }
                } catch (Exception e) {
                    return; // the gateway is gone
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            clients.forEach(c -> c.disconnect());
        }
    }
}
