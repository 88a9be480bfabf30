package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.azure.core.util.IterableStream;
import com.azure.messaging.eventhubs.EventHubConsumerClient;
import com.azure.messaging.eventhubs.models.EventPosition;
import com.azure.messaging.eventhubs.models.PartitionEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.gatehouse.cluster.testing.ClusterEngines;
import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import io.gatehouse.core.auth.SasTokens;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three packaged gateway processes with {@code store.type=cluster} on one Kafka and one PostgreSQL behind HAProxy in
 * TCP mode (round robin, health checks on {@code /health}), as an operator would run a cluster: twelve MQTT devices
 * dial the load balancer only, publish QoS 1 telemetry and receive C2D messages that a back end sends (asking for
 * full feedback) through node B's REST API, while node A is killed with {@code kill -9}. The devices that were on node
 * A reconnect through HAProxy to B or C, subscribe again (clean session) and take their C2D queues along. Then:
 * every C2D message the gateway accepted (201) reaches its device at least once, every telemetry event a node
 * acknowledged (PUBACK) is read through node C's Event Hub-compatible endpoint with the Event Hubs SDK, and every
 * accepted message's feedback record (Success) reaches the feedback receiver on node B, whichever node the device
 * settled it on. B and C log no error meanwhile and stop cleanly.
 */
@ExtendWith(ClusterEngines.class)
class ClusterBehindLoadBalancerIT {

    private static final String KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** HAProxy's frontend (and backend) for the nodes' plain MQTT ports. */
    private static final String MQTT = "mqtt";
    private static final int PARTITIONS = 4;
    private static final int DEVICES = 12;
    /** Each device publishes at most this often, with at most {@link #IN_FLIGHT} publishes unacknowledged. */
    private static final Duration PUBLISH_EVERY = Duration.ofMillis(25);
    private static final int IN_FLIGHT = 8;
    /** A bound on each device's publishes, whatever happens to the timing. */
    private static final int MAX_PUBLISHES_PER_DEVICE = 2_000;
    /** The back end sends each device a C2D message this long after the previous send was answered. */
    private static final Duration SEND_EVERY = Duration.ofMillis(200);
    private static final int MAX_SENDS_PER_DEVICE = 200;
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Takeover of a dead node's queues needs about 15 s; the checks after the load get this long. */
    private static final Duration SETTLE = Duration.ofSeconds(90);
    /**
     * How long each feedback take through node B waits: short, so that takes often run out just as a feedback message
     * is handed to them, the race that used to lose it (a take completed the message and still answered 204; fixed in
     * ServiceRoutes.FeedbackTake, unit-tested in FeedbackTakeTest).
     */
    private static final int FEEDBACK_WAIT_SECONDS = 1;

    private final EmbeddedKafka kafka;
    private final EmbeddedPostgres postgres;

    /** Kept when the test fails: the nodes' logs ({@code a.log}, {@code b.log}, {@code c.log}) and HAProxy's are here. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    /** Telemetry and C2D sends go on while this is set. */
    private final AtomicBoolean loadRunning = new AtomicBoolean(true);
    /** Feedback records taken through node B: original message id to the status codes it was reported with. */
    private final Map<String, List<String>> feedback = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> sendAnswers = new ConcurrentHashMap<>();
    /** The answers to the feedback takes through node B: 200 (a feedback message), 204 (none), -1 (no answer). */
    private final Map<Integer, AtomicInteger> feedbackAnswers = new ConcurrentHashMap<>();

    ClusterBehindLoadBalancerIT(EmbeddedKafka kafka, EmbeddedPostgres postgres) {
        this.kafka = kafka;
        this.postgres = postgres;
    }

    @Test
    void aNodeKilledBehindTheLoadBalancerLosesNoAcknowledgedEventAndNoAcceptedC2dMessage() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(HaproxyProcess.BINARY),
                "HAProxy is not installed at /usr/sbin/haproxy (Debian package haproxy): no load balancer to test behind");
        long began = System.nanoTime();
        ClusterStoreConfig cluster = ClusterStoreConfig.fresh(kafka, postgres);
        String jdbcUrl = cluster.jdbcUrl();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < DEVICES; i++) {
            ids.add("lb-device-" + i);
        }
        try (GatewayProcess nodeA = GatewayProcess.configured(dir.resolve("a"), yaml("node-a", cluster));
             GatewayProcess nodeB = GatewayProcess.configured(dir.resolve("b"), yaml("node-b", cluster));
             GatewayProcess nodeC = GatewayProcess.configured(dir.resolve("c"), yaml("node-c", cluster))) {
            startTogether(nodeA, nodeB, nodeC);
            RestClient restA = new RestClient(nodeA);
            RestClient restB = new RestClient(nodeB);
            RestClient restC = new RestClient(nodeC);
            for (String id : ids) {
                restB.json("PUT", "/devices/" + id + "?api-version=2021-04-12", device(id));
            }
            // every node hears of the devices within a PostgreSQL round trip or so
            for (RestClient rest : List.of(restA, restC)) {
                await().atMost(WAIT).ignoreExceptions().until(() ->
                        ids.stream().allMatch(id -> status(rest, "/devices/" + id + "?api-version=2021-04-12") == 200));
            }

            List<HaproxyProcess.Backend> backends = List.of(
                    new HaproxyProcess.Backend("node-a", nodeA.port("mqtt-plain"), nodeA.port("health")),
                    new HaproxyProcess.Backend("node-b", nodeB.port("mqtt-plain"), nodeB.port("health")),
                    new HaproxyProcess.Backend("node-c", nodeC.port("mqtt-plain"), nodeC.port("health")));
            HaproxyProcess haproxy = HaproxyProcess.start(dir.resolve("haproxy"),
                    List.of(new HaproxyProcess.Route(MQTT, 0, backends)));
            ScheduledExecutorService publishing = Executors.newSingleThreadScheduledExecutor();
            ScheduledExecutorService sending = Executors.newScheduledThreadPool(DEVICES);
            ScheduledExecutorService feedbackTaking = Executors.newSingleThreadScheduledExecutor();
            List<Device> devices = new ArrayList<>();
            try {
                await().atMost(WAIT).until(() -> haproxy.allUp() && haproxy.serverStatus(MQTT).size() == 3);

                // one after the other, so that round robin puts four on each node
                for (String id : ids) {
                    Device d = new Device(id, haproxy.port(MQTT));
                    devices.add(d);
                    d.connectAndSubscribe();
                }
                Map<String, Set<String>> placement = placement(Map.of("node-a", restA, "node-b", restB, "node-c", restC));
                assertThat(placement.get("node-a")).as("devices round robin put on node A: %s", placement).isNotEmpty();

                // the back end takes feedback through node B from the start, so node B owns the feedback queue
                feedbackTaking.scheduleWithFixedDelay(() -> takeFeedback(restB), 0, 1, TimeUnit.MILLISECONDS);
                for (Device d : devices) {
                    publishing.scheduleAtFixedRate(d::publishOne, 0, PUBLISH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
                    sending.scheduleWithFixedDelay(() -> d.sendOne(restB), 0, SEND_EVERY.toMillis(), TimeUnit.MILLISECONDS);
                }
                // some load before the kill: every device had telemetry acknowledged and C2D messages delivered
                await().atMost(WAIT).until(() -> devices.stream()
                        .allMatch(d -> d.acked.size() >= 40 && d.received.size() >= 5));

                Set<String> onA = placement(Map.of("node-a", restA)).get("node-a");
                assertThat(onA).as("devices on node A before the kill").isNotEmpty();
                Map<String, Integer> connectsBefore = devices.stream()
                        .collect(Collectors.toMap(d -> d.id, d -> d.connects.get()));
                nodeA.kill(); // SIGKILL, under load
                long killedAt = System.nanoTime();
                devices.forEach(d -> d.killedAt(connectsBefore.get(d.id)));

                await().atMost(Duration.ofSeconds(10))
                        .until(() -> "DOWN".equals(haproxy.serverStatus(MQTT).get("node-a")));
                // the devices of node A reconnect through HAProxy to B or C and subscribe again: the node they reach
                // shows them connected with a receiver on their C2D queue
                List<Device> moved = devices.stream().filter(d -> onA.contains(d.id)).toList();
                Map<String, Set<String>> after = new TreeMap<>();
                await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(moved).allSatisfy(d -> assertThat(d.connects.get()).as("connects of %s", d.id)
                            .isGreaterThan(d.connectsAtKill));
                    Map<String, Set<String>> now = placement(Map.of("node-b", restB, "node-c", restC));
                    after.putAll(now);
                    Set<String> survivors = new TreeSet<>(now.get("node-b"));
                    survivors.addAll(now.get("node-c"));
                    assertThat(survivors).as("connected to node B or C with a C2D receiver after the kill").containsAll(onA);
                });
                moved.forEach(d -> d.settled = true);
                long reconnectedAt = System.nanoTime();
                System.out.println("after the kill: placement " + after + "; " + owners(jdbcUrl));
                // the load goes on until each moved device had telemetry acknowledged and C2D sends accepted on its new node
                await().atMost(WAIT).until(() -> moved.stream().allMatch(d -> d.ackedAfterReconnect.get() >= 40
                        && d.acceptedAfterReconnect.get() >= 3));

                loadRunning.set(false);
                publishing.shutdown();
                sending.shutdown();
                assertThat(publishing.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
                // a send handed to node A just before it died is answered 503 after the call timeout (10 s)
                assertThat(sending.awaitTermination(45, TimeUnit.SECONDS)).as("C2D senders finished").isTrue();
                await().atMost(WAIT).until(() -> devices.stream().allMatch(d -> d.window.availablePermits() == IN_FLIGHT));
                long loadEnded = System.nanoTime();

                // (a) every accepted C2D message reaches its device, at least once
                awaitOrExplain(SETTLE, () -> assertThat(undelivered(devices))
                        .as("C2D messages accepted (201) but not received, by device (node A had %s)", onA).isEmpty(),
                        () -> explain(jdbcUrl, Map.of("node-b", restB, "node-c", restC)));
                long c2dDoneAt = System.nanoTime();

                // (b) every acknowledged event is read through node C with the Event Hubs SDK, at least once
                Set<String> acked = new HashSet<>();
                devices.forEach(d -> acked.addAll(d.acked));
                Set<String> read = readThrough(nodeC, devices);
                assertThat(read).as("acknowledged events read through node C").containsAll(acked);

                // (c) every accepted message's feedback (Success) reaches the feedback receiver on node B
                Set<String> accepted = new TreeSet<>();
                devices.forEach(d -> accepted.addAll(d.accepted));
                awaitOrExplain(SETTLE, () -> assertThat(accepted.stream()
                                .filter(id -> !feedback.getOrDefault(id, List.of()).contains("Success")).toList())
                                .as("accepted C2D messages without Success feedback through node B").isEmpty(),
                        () -> explain(jdbcUrl, Map.of("node-b", restB, "node-c", restC)));

                int received = devices.stream().mapToInt(d -> d.received.size()).sum();
                long deliveries = devices.stream().mapToLong(d -> d.deliveries.get()).sum();
                long published = devices.stream().mapToLong(d -> d.published.get()).sum();
                Map<String, String> movedTo = new TreeMap<>();
                after.forEach((node, on) -> on.stream().filter(onA::contains).forEach(id -> movedTo.put(id, node)));
                long otherReconnects = devices.stream().filter(d -> !onA.contains(d.id))
                        .mapToLong(d -> d.connects.get() - 1).sum();
                System.out.printf("3 nodes behind HAProxy, node A killed under load: C2D %d accepted (answers %s),"
                                + " %d received (%d deliveries), feedback %d Success (takes answered %s);"
                                + " telemetry %d published, %d acknowledged,"
                                + " %d read through node C; %d devices moved from node A: %s (reconnects of the others: %d);"
                                + " reconnected %.1f s after"
                                + " the kill, load ended %.1f s after, C2D all received %.1f s after; %.1f s in all%n",
                        accepted.size(), new TreeMap<>(sendAnswers), received, deliveries,
                        feedback.values().stream().filter(s -> s.contains("Success")).count(), feedbackAnswers,
                        published, acked.size(), read.size(), onA.size(), movedTo, otherReconnects,
                        seconds(reconnectedAt - killedAt), seconds(loadEnded - killedAt), seconds(c2dDoneAt - killedAt),
                        seconds(System.nanoTime() - began));

                // the survivors logged no error and no stack trace through all this, and stop cleanly
                feedbackTaking.shutdownNow();
                assertThat(feedbackTaking.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
                for (Device d : devices) {
                    d.client.disconnect().get(10, TimeUnit.SECONDS);
                }
                nodeB.stopCleanly();
                nodeC.stopCleanly();
            } finally {
                loadRunning.set(false);
                publishing.shutdownNow();
                sending.shutdownNow();
                feedbackTaking.shutdownNow();
                feedbackTaking.awaitTermination(10, TimeUnit.SECONDS);
                for (Device d : devices) {
                    d.client.disconnect().exceptionally(e -> null).get(10, TimeUnit.SECONDS);
                }
                haproxy.close(); // after the devices' DISCONNECTs went through it
            }
        }
    }

    @FunctionalInterface
    private interface Check {
        void run() throws Exception;
    }

    /** Awaits {@code check}; when it still fails at the end, fails with what {@code explain} tells of the cluster then. */
    private static void awaitOrExplain(Duration atMost, Check check, Callable<String> explain) throws Exception {
        try {
            await().atMost(atMost).pollInterval(Duration.ofMillis(250)).untilAsserted(check::run);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\n" + explain.call(), e);
        }
    }

    /** By device, the C2D message ids accepted for it and not received (yet). */
    private static Map<String, Set<String>> undelivered(List<Device> devices) {
        Map<String, Set<String>> missing = new TreeMap<>();
        for (Device d : devices) {
            Set<String> m = new TreeSet<>(d.accepted);
            m.removeAll(d.received);
            if (!m.isEmpty()) {
                missing.put(d.id, m);
            }
        }
        return missing;
    }

    /** The cluster's view for a failure message: each surviving node's C2D queues and the owners in PostgreSQL. */
    private String explain(String jdbcUrl, Map<String, RestClient> nodes) {
        StringBuilder text = new StringBuilder("logs: " + dir + "/{a,b,c}.log, " + dir + "/haproxy/haproxy.log\n");
        for (Map.Entry<String, RestClient> node : nodes.entrySet()) {
            try {
                JsonNode stats = node.getValue().json("GET", "/gatehouse/statistics", null);
                text.append(node.getKey()).append(": connections ").append(stats.path("connections"))
                        .append(", queues ").append(stats.path("queues")).append(", c2d ").append(stats.path("c2d"))
                        .append(", feedback ").append(stats.path("feedback")).append('\n');
            } catch (Exception e) {
                text.append(node.getKey()).append(": ").append(e).append('\n');
            }
        }
        text.append("feedback takes through node B answered: ").append(feedbackAnswers).append('\n');
        return text.append(owners(jdbcUrl)).toString();
    }

    /** Who owns each device's queue (gatehouse_owner) and how many messages its rows hold (gatehouse_state). */
    private static String owners(String jdbcUrl) {
        try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgres.USER, "");
             Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT o.device, n.node,"
                     + " round(extract(epoch FROM now() - n.heartbeat)::numeric, 1),"
                     + " (SELECT count(*) FROM gatehouse_state m WHERE m.kind = 3 AND m.owner = o.device)"
                     + " FROM gatehouse_owner o LEFT JOIN gatehouse_node n ON n.origin = o.origin ORDER BY o.device")) {
            StringBuilder text = new StringBuilder("owners (device=node/heartbeat age s/stored C2D messages):");
            while (rows.next()) {
                text.append(' ').append(rows.getString(1)).append('=').append(rows.getString(2)).append('/')
                        .append(rows.getString(3)).append('/').append(rows.getLong(4));
            }
            return text.toString();
        } catch (SQLException e) {
            return "owners: " + e;
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** Starts the nodes at the same time (each waits for its banner), as an operator starting a cluster would. */
    private static void startTogether(GatewayProcess... nodes) {
        CompletableFuture.allOf(Arrays.stream(nodes).map(node -> CompletableFuture.runAsync(() -> {
            try {
                node.start();
            } catch (Exception e) {
                throw new IllegalStateException(node.dataDir() + ": " + e, e);
            }
        })).toArray(CompletableFuture[]::new)).join();
    }

    /**
     * Which devices each node says are connected to it and have a receiver on their C2D queue there (an MQTT
     * subscription to the C2D topic), by node ({@code /gatehouse/statistics}).
     */
    private static Map<String, Set<String>> placement(Map<String, RestClient> nodes) throws Exception {
        Map<String, Set<String>> placement = new TreeMap<>();
        for (Map.Entry<String, RestClient> node : nodes.entrySet()) {
            JsonNode stats = node.getValue().json("GET", "/gatehouse/statistics", null);
            Set<String> devices = new TreeSet<>();
            stats.path("connections").fieldNames().forEachRemaining(id -> {
                if (stats.path("queues").path(id).path("receivers").asInt() > 0) {
                    devices.add(id);
                }
            });
            placement.put(node.getKey(), devices);
        }
        return placement;
    }

    private static int status(RestClient rest, String path) {
        try {
            return rest.send("GET", path, null).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Takes one feedback message through node B (waiting up to {@link #FEEDBACK_WAIT_SECONDS}) and keeps its records. */
    private void takeFeedback(RestClient rest) {
        try {
            HttpResponse<String> taken = rest.send("GET", "/gatehouse/feedback?waitSeconds=" + FEEDBACK_WAIT_SECONDS, null);
            feedbackAnswers.computeIfAbsent(taken.statusCode(), k -> new AtomicInteger()).incrementAndGet();
            if (taken.statusCode() == 200) {
                for (JsonNode record : JSON.readTree(taken.body()).path("records")) {
                    feedback.computeIfAbsent(record.path("originalMessageId").asText(), k -> new CopyOnWriteArrayList<>())
                            .add(record.path("statusCode").asText());
                }
            }
        } catch (Exception e) {
            // node B busy or the test ending: the next poll tries again
            feedbackAnswers.computeIfAbsent(-1, k -> new AtomicInteger()).incrementAndGet();
        }
    }

    /**
     * Every event of every partition from the start, read through {@code node} with the Event Hubs SDK, until the
     * events each device had acknowledged are there or a partition has nothing more within the wait.
     */
    private static Set<String> readThrough(GatewayProcess node, List<Device> devices) throws Exception {
        Set<String> read = ConcurrentHashMap.newKeySet();
        SSLContext previous = EventHubsEndpoint.trustOnlyTheGatewayCa(node);
        try (EventHubConsumerClient consumer = new EventHubsEndpoint(node).client("$Default").buildConsumerClient()) {
            for (int partition = 0; partition < PARTITIONS; partition++) {
                int p = partition;
                Set<String> expected = new HashSet<>();
                devices.stream().filter(d -> EventHubsGatewayConfig.partitionOf(d.id, PARTITIONS) == p)
                        .forEach(d -> expected.addAll(d.acked));
                EventPosition from = EventPosition.earliest();
                while (!read.containsAll(expected)) {
                    IterableStream<PartitionEvent> batch = consumer.receiveFromPartition(Integer.toString(p), 1000, from,
                            Duration.ofSeconds(3));
                    int count = 0;
                    for (PartitionEvent e : batch) {
                        read.add(e.getData().getBodyAsString());
                        from = EventPosition.fromSequenceNumber(e.getData().getSequenceNumber());
                        count++;
                    }
                    if (count == 0) {
                        break; // nothing more within the wait: the assertion shows what is missing
                    }
                }
            }
            return read;
        } finally {
            SSLContext.setDefault(previous);
        }
    }

    /**
     * One device: a HiveMQ MQTT 3.1.1 client dialing HAProxy (plain TCP) with a clean session, reconnecting by itself
     * (HiveMQ's automatic reconnect, every 250 ms to 2 s) until the test disconnects it. It subscribes to
     * its C2D topic at QoS 1 once; after each reconnect HiveMQ sends that SUBSCRIBE again by itself, since the gateway
     * forgot it with the clean session ({@code resubscribeIfSessionExpired}, on by default). That default also keeps
     * the publish callback: with it off, HiveMQ ends every publish flow, the global one too, when a session ends, and
     * would then acknowledge and drop the C2D messages of the next connection unseen. Each C2D message is recorded in
     * the callback, and HiveMQ PUBACKs it after the callback returned.
     */
    private final class Device {
        final String id;
        final Mqtt3AsyncClient client;
        final AtomicInteger connects = new AtomicInteger();
        /** C2D message ids received. */
        final Set<String> received = ConcurrentHashMap.newKeySet();
        final AtomicLong deliveries = new AtomicLong();
        /** C2D message ids the gateway accepted (201). */
        final Set<String> accepted = ConcurrentHashMap.newKeySet();
        final AtomicInteger acceptedAfterReconnect = new AtomicInteger();
        final AtomicLong published = new AtomicLong();
        /** Telemetry bodies a node acknowledged (PUBACK). */
        final Set<String> acked = ConcurrentHashMap.newKeySet();
        final AtomicInteger ackedAfterReconnect = new AtomicInteger();
        final Semaphore window = new Semaphore(IN_FLIGHT);
        private final AtomicInteger sends = new AtomicInteger();
        volatile int connectsAtKill = Integer.MAX_VALUE;
        /** A device of node A, seen connected with a C2D receiver on node B or C after the kill. */
        volatile boolean settled;

        Device(String id, int port) {
            this.id = id;
            String token = SasTokens.deviceToken("localhost", id, KEY, Instant.now().plusSeconds(3600));
            this.client = MqttClient.builder().useMqttVersion3().identifier(id).serverHost("127.0.0.1").serverPort(port)
                    .simpleAuth().username("localhost/" + id + "/?api-version=2021-04-12")
                    .password(token.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                    .automaticReconnect().initialDelay(250, TimeUnit.MILLISECONDS).maxDelay(2, TimeUnit.SECONDS)
                    .applyAutomaticReconnect()
                    .addConnectedListener(context -> connects.incrementAndGet())
                    .buildAsync();
            client.publishes(MqttGlobalPublishFilter.ALL, p -> {
                String mid = MqttDevices.messageId(p.getTopic().toString());
                received.add(mid != null ? mid : new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
                deliveries.incrementAndGet();
            });
        }

        /** Connects (every node knows the device by now) and subscribes to the C2D topic. */
        void connectAndSubscribe() throws Exception {
            client.connectWith().cleanSession(true).keepAlive(10).send().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            client.subscribeWith().topicFilter("devices/" + id + "/messages/devicebound/#").qos(MqttQos.AT_LEAST_ONCE)
                    .send().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }

        void killedAt(int connectsBefore) {
            connectsAtKill = connectsBefore;
        }

        /** Publishes the next event when the window allows (publishing thread). */
        void publishOne() {
            if (!loadRunning.get() || published.get() >= MAX_PUBLISHES_PER_DEVICE || !window.tryAcquire()) {
                return;
            }
            String body = id + " " + published.getAndIncrement();
            boolean afterReconnect = settled;
            client.publishWith().topic("devices/" + id + "/messages/events/").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(body.getBytes(StandardCharsets.UTF_8)).send()
                    .whenComplete((ok, failure) -> {
                        if (failure == null) {
                            acked.add(body);
                            if (afterReconnect) {
                                ackedAfterReconnect.incrementAndGet();
                            }
                        }
                        window.release();
                    });
        }

        /** Sends the next C2D message through {@code rest} (node B), asking for full feedback (a sending thread). */
        void sendOne(RestClient rest) {
            if (!loadRunning.get() || sends.get() >= MAX_SENDS_PER_DEVICE) {
                return;
            }
            String messageId = "c2d-" + id + "-" + sends.getAndIncrement();
            boolean afterReconnect = settled;
            try {
                HttpResponse<String> answer = rest.send("POST", "/gatehouse/devices/" + id + "/messages",
                        "body of " + messageId, Map.of("iothub-messageid", messageId, "iothub-ack", "full"));
                sendAnswers.computeIfAbsent(answer.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                if (answer.statusCode() == 201) {
                    accepted.add(messageId);
                    if (afterReconnect) {
                        acceptedAfterReconnect.incrementAndGet();
                    }
                }
            } catch (Exception e) {
                sendAnswers.computeIfAbsent(-1, k -> new AtomicInteger()).incrementAndGet();
            }
        }
    }

    private static String device(String id) {
        return """
                {"deviceId": "%s", "status": "enabled",
                 "authentication": {"type": "sas", "symmetricKey": {"primaryKey": "%s", "secondaryKey": "%s"}}}
                """.formatted(id, KEY, KEY);
    }

    private static String yaml(String nodeId, ClusterStoreConfig cluster) {
        return EventHubsGatewayConfig.ephemeralPorts(PARTITIONS) + cluster.yaml(nodeId);
    }
}
