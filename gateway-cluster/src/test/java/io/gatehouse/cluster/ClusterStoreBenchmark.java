package io.gatehouse.cluster;

import static org.awaitility.Awaitility.await;

import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.DeliverySink;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.session.DeviceConnections;
import io.gatehouse.core.store.ClusterMember;
import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.WriteBatch;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Rough figures for the cluster store on this machine, with engines it starts itself (Kafka with one
 * replica, PostgreSQL with fsync on): D2C appends per second through {@link KafkaEventLog} with many appends
 * in flight, PostgreSQL commit latency of one writer alone and throughput of many, device claims, and C2D sends
 * through the node that owns the device and through another node, catch-ups with other nodes' registry changes, and
 * feedback taken through a node that does not own the feedback queue. Not part of CI:
 * {@code ./mvnw -B -q -pl gateway-cluster -am -Pbench-cluster verify} (add {@code -Dbench.parts=catch-ups,feedback}
 * for some parts only).
 */
public final class ClusterStoreBenchmark {

    private static final int EVENTS = 100_000;
    private static final int EVENT_BYTES = 256;
    private static final int IN_FLIGHT = 1000;
    private static final int PARTITIONS = 4;
    private static final int LONE_COMMITS = 2000;
    private static final int BATCHES = 100_000;
    private static final int REGISTRY_CHANGES = 1000;
    private static final int CATCH_UPS = 2000;
    private static final int STORM_DEVICES = 20_000;
    private static final int CATCH_UP_FLOOD = 100_000;
    private static final int DEVICES = 1000;
    private static final int SENDS = 20_000;
    private static final int SENDS_IN_FLIGHT = 100;
    private static final int FOOTPRINT_DEVICES = 100_000;
    private static final int FEEDBACK_MESSAGES = 2000;
    private static final int CONNECTED_DEVICES = 20_000;
    private static final int PRESENCE_ROUNDS = 20;

    private ClusterStoreBenchmark() {
    }

    /**
     * Runs every part ({@code all}, or no argument), or those named, comma-separated: {@code appends, commits, registry,
     * catch-ups, claims, c2d, feedback, presence, footprint}.
     */
    public static void main(String[] args) throws Exception {
        Set<String> parts = args.length == 0 || args[0].equals("all") ? Set.of("appends", "commits", "registry",
                "catch-ups", "claims", "c2d", "feedback", "presence", "footprint") : Set.of(args[0].split(","));
        if (parts.contains("appends")) {
            try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
                appends(kafka);
            }
        }
        try (EmbeddedPostgres postgres = EmbeddedPostgres.start(true)) {
            if (parts.contains("commits")) {
                commits(postgres);
            }
            if (parts.contains("registry")) {
                registryPropagation(postgres);
            }
            if (parts.contains("catch-ups")) {
                catchUps(postgres);
            }
            if (parts.contains("claims")) {
                claimStorms(postgres);
            }
            if (parts.stream().noneMatch(Set.of("c2d", "feedback", "presence", "footprint")::contains)) {
                return;
            }
            try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
                if (parts.contains("c2d")) {
                    c2dAcrossNodes(kafka, postgres);
                }
                if (parts.contains("feedback")) {
                    feedbackAcrossNodes(kafka, postgres);
                }
                if (parts.contains("presence")) {
                    presenceAcrossNodes(kafka, postgres);
                }
                if (parts.contains("footprint")) {
                    registryFootprint(kafka, postgres);
                }
            }
        }
    }

    private static void appends(EmbeddedKafka kafka) throws Exception {
        try (KafkaEventLog log = KafkaEventLog.open(ClusterTesting.newTopic(kafka, PARTITIONS, "bench"))) {
            run(log, 10_000);
            long[] micros = new long[EVENTS];
            long start = System.nanoTime();
            run(log, EVENTS, micros);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("kafka: %d appends of %d bytes, %d in flight, %d partitions: %.0f appends/s; latency %s%n",
                    EVENTS, EVENT_BYTES, IN_FLIGHT, PARTITIONS, EVENTS / seconds, percentiles(micros));
        }
    }

    private static void run(KafkaEventLog log, int count) throws InterruptedException {
        run(log, count, new long[count]);
    }

    /** Appends {@code count} events, at most {@link #IN_FLIGHT} unacknowledged; records each one's latency. */
    private static void run(KafkaEventLog log, int count, long[] micros) throws InterruptedException {
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        CountDownLatch done = new CountDownLatch(count);
        byte[] payload = new byte[EVENT_BYTES];
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            int index = i;
            long sent = System.nanoTime();
            CompletableFuture<EventRecord> stored = log.appendAssigned(i % PARTITIONS, payload);
            stored.whenComplete((record, failure) -> {
                micros[index] = (System.nanoTime() - sent) / 1000;
                inFlight.release();
                done.countDown();
            });
        }
        done.await(5, TimeUnit.MINUTES);
    }

    private static void commits(EmbeddedPostgres postgres) throws Exception {
        try (PostgresStateStore store = PostgresStateStore.open(ClusterTesting.newSchema(postgres, "bench"))) {
            long[] claims = new long[DEVICES];
            for (int i = 0; i < DEVICES; i++) {
                long start = System.nanoTime();
                store.ownership().claim(DeviceId.of("device-" + i)).get(10, TimeUnit.SECONDS);
                claims[i] = (System.nanoTime() - start) / 1000;
            }
            System.out.printf("postgres (fsync on): claiming a device (owner row, its queue rows read), one at a time: %s%n",
                    percentiles(claims));
            long[] micros = new long[LONE_COMMITS];
            for (int i = 0; i < LONE_COMMITS; i++) {
                long start = System.nanoTime();
                store.write(batch(i)).get(10, TimeUnit.SECONDS);
                micros[i] = (System.nanoTime() - start) / 1000;
            }
            System.out.printf("postgres (fsync on): one writer, one batch of 2 puts at a time: latency %s%n", percentiles(micros));

            CountDownLatch done = new CountDownLatch(BATCHES);
            long start = System.nanoTime();
            for (int i = 0; i < BATCHES; i++) {
                store.write(batch(LONE_COMMITS + i)).whenComplete((ok, failure) -> done.countDown());
            }
            done.await(5, TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("postgres (fsync on): %d batches of 2 puts written at once: %.0f batches/s%n",
                    BATCHES, BATCHES / seconds);
        }
    }

    /**
     * How long a device change written through one node takes to reach another: from the write on node A to
     * node B's store handing the row to its core (commit, NOTIFY, B reading the row). One change at a time.
     */
    private static void registryPropagation(EmbeddedPostgres postgres) throws Exception {
        PostgresSettings shared = ClusterTesting.newSchema(postgres, "bench");
        try (PostgresStateStore nodeA = PostgresStateStore.open(shared); PostgresStateStore nodeB = PostgresStateStore.open(shared)) {
            BlockingQueue<Long> arrivals = new LinkedBlockingQueue<>();
            nodeB.onChangedElsewhere((key, value) -> arrivals.add(System.nanoTime()));
            long[] micros = new long[REGISTRY_CHANGES];
            for (int i = 0; i < REGISTRY_CHANGES; i++) {
                long start = System.nanoTime();
                nodeA.write(WriteBatch.put(StateKey.of(RecordKind.DEVICE, "device-" + i), new byte[300])).get(10, TimeUnit.SECONDS);
                Long at = arrivals.poll(10, TimeUnit.SECONDS);
                if (at == null) {
                    throw new IllegalStateException("node B never heard of device-" + i);
                }
                micros[i] = (at - start) / 1000;
            }
            System.out.printf("postgres (fsync on): a device change written on node A, seen by node B: %s%n",
                    percentiles(micros));
        }
    }

    /**
     * A reconnect storm's claims: {@link #STORM_DEVICES} devices claimed at once by node A (nobody owned them), then
     * all of them at once by node B (taking each from A, which is told).
     */
    private static void claimStorms(EmbeddedPostgres postgres) throws Exception {
        PostgresSettings shared = ClusterTesting.newSchema(postgres, "bench-claims");
        try (PostgresStateStore nodeA = PostgresStateStore.open(shared);
             PostgresStateStore nodeB = PostgresStateStore.open(new PostgresSettings(shared.url(), shared.user(),
                     shared.password(), "bench-claims-b"))) {
            for (PostgresStateStore node : List.of(nodeA, nodeB)) {
                node.ownership().listen(ClusterTesting.releasesInto(ConcurrentHashMap.newKeySet()));
            }
            for (PostgresStateStore node : List.of(nodeA, nodeB)) {
                List<CompletableFuture<?>> claims = new ArrayList<>(STORM_DEVICES);
                long start = System.nanoTime();
                for (int i = 0; i < STORM_DEVICES; i++) {
                    claims.add(node.ownership().claim(DeviceId.of("storm-" + i)));
                }
                CompletableFuture.allOf(claims.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("postgres (fsync on): %,d devices claimed at once by node %s (%s): %.2f s, %,.0f claims/s%n",
                        STORM_DEVICES, node == nodeA ? "A" : "B", node == nodeA ? "nobody owned them" : "each taken from A",
                        seconds, STORM_DEVICES / seconds);
            }
        }
        takeOver(shared);
    }

    /**
     * The queues of a node that left ({@link #STORM_DEVICES} devices with a message each), taken over by the node that
     * remains without any device connecting: from the departure until every queue was adopted.
     */
    private static void takeOver(PostgresSettings shared) throws Exception {
        Map<DeviceId, Map<StateKey, byte[]>> adopted = new ConcurrentHashMap<>();
        try (PostgresStateStore remaining = PostgresStateStore.open(new PostgresSettings(shared.url(), shared.user(),
                shared.password(), "bench-takeover-b"))) {
            long start;
            try (PostgresStateStore leaving = PostgresStateStore.open(new PostgresSettings(shared.url(), shared.user(),
                    shared.password(), "bench-takeover-a"))) {
                leaving.ownership().listen(ClusterTesting.releasesInto(ConcurrentHashMap.newKeySet()));
                List<CompletableFuture<?>> work = new ArrayList<>(STORM_DEVICES);
                for (int i = 0; i < STORM_DEVICES; i++) {
                    work.add(leaving.ownership().claim(DeviceId.of("left-" + i)));
                }
                CompletableFuture.allOf(work.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
                work.clear();
                for (int i = 0; i < STORM_DEVICES; i++) {
                    work.add(leaving.write(WriteBatch.put(StateKey.of(RecordKind.C2D_MESSAGE, "left-" + i, 1), new byte[EVENT_BYTES])));
                }
                CompletableFuture.allOf(work.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
                remaining.ownership().listen(ClusterTesting.recording(ConcurrentHashMap.newKeySet(), adopted));
                start = System.nanoTime();
            }
            await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(10)).until(() -> adopted.size() == STORM_DEVICES);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("postgres (fsync on): the queues of %,d devices of a node that left, taken over by the other:"
                    + " %.2f s (%,.0f queues/s, the first scan up to %d s after the departure)%n", STORM_DEVICES, seconds,
                    STORM_DEVICES / seconds, PostgresOwnership.TAKEOVER_MILLIS / 1000);
        }
    }

    /**
     * What a login this node would refuse waits for (read-your-writes across nodes): a catch-up with other nodes'
     * registry changes, one at a time on an idle node, and a flood of them at once (refusals of a storm of bad tokens).
     */
    private static void catchUps(EmbeddedPostgres postgres) throws Exception {
        PostgresSettings shared = ClusterTesting.newSchema(postgres, "bench-catch-up");
        try (PostgresStateStore node = PostgresStateStore.open(shared)) {
            node.onChangedElsewhere((key, value) -> { });
            long[] micros = new long[CATCH_UPS];
            for (int i = 0; i < CATCH_UPS; i++) {
                long start = System.nanoTime();
                node.catchUp().orElseThrow().get(10, TimeUnit.SECONDS);
                micros[i] = (System.nanoTime() - start) / 1000;
            }
            System.out.printf("postgres (fsync on): one catch-up at a time (a refused login's extra wait): %s%n",
                    percentiles(micros));
            List<CompletableFuture<Void>> flood = new ArrayList<>(CATCH_UP_FLOOD);
            long start = System.nanoTime();
            for (int i = 0; i < CATCH_UP_FLOOD; i++) {
                flood.add(node.catchUp().orElseThrow());
            }
            CompletableFuture.allOf(flood.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("postgres (fsync on): %,d catch-ups asked at once: all done in %.2f s (%,.0f/s)%n",
                    CATCH_UP_FLOOD, seconds, CATCH_UP_FLOOD / seconds);
        }
    }

    /**
     * C2D sends to a device that receives on node A and completes each message, through A itself and through node B
     * (which hands each send to A and waits for A's answer), {@link #SENDS_IN_FLIGHT} at a time: rate and the latency
     * a service sees.
     */
    private static void c2dAcrossNodes(EmbeddedKafka kafka, EmbeddedPostgres postgres) throws Exception {
        PostgresSettings shared = ClusterTesting.newSchema(postgres, "bench");
        KafkaSettings topic = ClusterTesting.newTopic(kafka, PARTITIONS, "bench");
        HubSettings hub = HubSettings.defaults().with(HubSettings.C2D_MAX_QUEUE_DEPTH.property(), "5000");
        try (ClusterStore storeA = ClusterStore.open(shared, topic); ClusterStore storeB = ClusterStore.open(shared, topic);
             GatewayCore nodeA = GatewayCore.builder().settings(hub).store(storeA).start();
             GatewayCore nodeB = GatewayCore.builder().settings(hub).store(storeB).start()) {
            DeviceId device = DeviceId.of("receiver");
            nodeA.registry().create(device).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                    .until(() -> nodeB.registry().get(device).isPresent()); // the registry feed: about a millisecond
            // the device completes every message it gets, keeping the queue short
            AtomicReference<Receiver> completing = new AtomicReference<>();
            Receiver receiver = nodeA.c2d().openReceiver(device, new DeliverySink() {
                @Override
                public void deliver(Delivery delivery) {
                    completing.get().complete(delivery.lockToken());
                    completing.get().addCredit(1);
                }

                @Override
                public void lockLost(LockToken lockToken) {
                }
            });
            completing.set(receiver);
            receiver.addCredit(SENDS_IN_FLIGHT);
            nodeA.c2d().send(device, C2dRequest.of("first", new byte[EVENT_BYTES])).get(10, TimeUnit.SECONDS); // claimed
            for (GatewayCore through : List.of(nodeA, nodeB)) {
                sends(through, device, 500);
                long[] micros = new long[SENDS];
                long start = System.nanoTime();
                sends(through, device, SENDS, micros);
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("c2d: %d sends of %d bytes to a device receiving on node A, through node %s, %d in flight:"
                        + " %.0f sends/s; latency %s%n", SENDS, EVENT_BYTES, through == nodeA ? "A" : "B", SENDS_IN_FLIGHT,
                        SENDS / seconds, percentiles(micros));
            }
            receiver.close();
        }
    }

    /**
     * A feedback receiver on node B while node A owns the feedback queue: {@link #FEEDBACK_MESSAGES} feedback
     * messages (one record each) waiting on A, taken and completed through B one at a time (each a take and a
     * settlement placed on A), against a receiver on A itself.
     */
    private static void feedbackAcrossNodes(EmbeddedKafka kafka, EmbeddedPostgres postgres) throws Exception {
        PostgresSettings shared = ClusterTesting.newSchema(postgres, "bench-feedback");
        KafkaSettings topic = ClusterTesting.newTopic(kafka, PARTITIONS, "bench-feedback");
        HubSettings hub = HubSettings.defaults().with(HubSettings.C2D_MAX_QUEUE_DEPTH.property(), "5000")
                .with(HubSettings.FEEDBACK_MAX_RECORDS.property(), "1");
        try (ClusterStore storeA = ClusterStore.open(shared, topic); ClusterStore storeB = ClusterStore.open(shared, topic);
             GatewayCore nodeA = GatewayCore.builder().settings(hub).store(storeA).start();
             GatewayCore nodeB = GatewayCore.builder().settings(hub).store(storeB).start()) {
            DeviceId device = DeviceId.of("settler");
            nodeA.registry().create(device).get(10, TimeUnit.SECONDS);
            AtomicReference<Receiver> settler = new AtomicReference<>();
            settler.set(nodeA.c2d().openReceiver(device, completingSink(settler, null)));
            settler.get().addCredit(FEEDBACK_MESSAGES);
            // a feedback receiver on A takes the first feedback message: A claimed the queue (nobody owned it)
            CountDownLatch claimed = new CountDownLatch(1);
            AtomicReference<Receiver> first = new AtomicReference<>();
            first.set(nodeA.feedback().openReceiver(completingSink(first, claimed)));
            first.get().addCredit(1);
            sendAskingFeedback(nodeA, device, 1);
            claimed.await(30, TimeUnit.SECONDS);
            first.get().close();
            for (GatewayCore through : List.of(nodeB, nodeA)) {
                sendAskingFeedback(nodeA, device, FEEDBACK_MESSAGES);
                await().atMost(Duration.ofMinutes(2)).until(() -> nodeA.feedback().depth() >= FEEDBACK_MESSAGES);
                CountDownLatch taken = new CountDownLatch(FEEDBACK_MESSAGES);
                AtomicReference<Receiver> receiver = new AtomicReference<>();
                long start = System.nanoTime();
                receiver.set(through.feedback().openReceiver(completingSink(receiver, taken)));
                receiver.get().addCredit(10);
                if (!taken.await(5, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("feedback messages left: " + taken.getCount());
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                receiver.get().close();
                System.out.printf("feedback: %d messages queued on node A, taken and completed through node %s:"
                        + " %.0f messages/s (%.2f ms each)%n", FEEDBACK_MESSAGES, through == nodeA ? "A" : "B",
                        FEEDBACK_MESSAGES / seconds, seconds * 1000 / FEEDBACK_MESSAGES);
            }
            settler.get().close();
        }
    }

    /** Sends {@code count} messages asking for full feedback to {@code device} through {@code node}. */
    private static void sendAskingFeedback(GatewayCore node, DeviceId device, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            node.c2d().send(device, new C2dRequest(MessageProperties.builder().messageId("m" + i).build(), AckMode.FULL, null,
                    new byte[EVENT_BYTES]))
                    .get(10, TimeUnit.SECONDS);
        }
    }

    /** A sink that completes each delivery at once and asks for one more; counts down {@code taken} when given. */
    private static DeliverySink completingSink(AtomicReference<Receiver> self, CountDownLatch taken) {
        return new DeliverySink() {
            @Override
            public void deliver(Delivery delivery) {
                self.get().complete(delivery.lockToken()).thenRun(() -> {
                    if (taken != null) {
                        taken.countDown();
                    }
                });
                self.get().addCredit(1);
            }

            @Override
            public void lockLost(LockToken lockToken) {
            }
        };
    }

    /**
     * What a list page, every device's presence (a twin query with conditions on the connection) and the connected
     * count cost through node B while {@link #CONNECTED_DEVICES} devices are connected to node A.
     */
    private static void presenceAcrossNodes(EmbeddedKafka kafka, EmbeddedPostgres postgres) throws Exception {
        PostgresSettings shared = ClusterTesting.newSchema(postgres, "bench-presence");
        KafkaSettings topic = ClusterTesting.newTopic(kafka, PARTITIONS, "bench-presence");
        try (ClusterStore storeA = ClusterStore.open(shared, topic); ClusterStore storeB = ClusterStore.open(shared, topic);
             GatewayCore nodeA = GatewayCore.builder().store(storeA).start();
             GatewayCore nodeB = GatewayCore.builder().store(storeB).start()) {
            List<DeviceId> devices = new ArrayList<>(CONNECTED_DEVICES);
            for (int i = 0; i < CONNECTED_DEVICES; i++) {
                DeviceId device = DeviceId.of("present-" + i);
                devices.add(device);
                nodeA.connections().register(device, new DeviceConnections.Connection() {
                    @Override
                    public String protocol() {
                        return "MQTT";
                    }

                    @Override
                    public void close(String reason) {
                    }
                });
            }
            await().atMost(Duration.ofMinutes(1)).until(() -> nodeB.clusterMembers().stream().filter(ClusterMember::alive).count() == 2);
            List<DeviceId> page = devices.subList(0, 100);
            double pageMillis = timed(() -> nodeB.presences().of(page));
            double everyMillis = timed(() -> nodeB.presences().ofEveryDevice());
            double countMillis = timed(() -> nodeB.presences().connectedCount());
            System.out.printf("presence through node B, %,d devices connected to node A (mean of %d): a list page of 100"
                    + " %.1f ms; every device (a query with conditions on the connection) %.1f ms; the connected count"
                    + " %.1f ms (%d)%n", CONNECTED_DEVICES, PRESENCE_ROUNDS, pageMillis, everyMillis, countMillis,
                    nodeB.presences().connectedCount().get(30, TimeUnit.SECONDS));
        }
    }

    /** The mean time of {@link #PRESENCE_ROUNDS} runs of {@code call}, after one unmeasured run. */
    private static double timed(Callable<CompletableFuture<?>> call) throws Exception {
        call.call().get(30, TimeUnit.SECONDS);
        long start = System.nanoTime();
        for (int i = 0; i < PRESENCE_ROUNDS; i++) {
            call.call().get(30, TimeUnit.SECONDS);
        }
        return (System.nanoTime() - start) / 1e6 / PRESENCE_ROUNDS;
    }

    /**
     * What every node holds per registered device (each node keeps the whole registry): heap after a full GC with
     * {@link #FOOTPRINT_DEVICES} devices created through the node, minus the heap before, per device.
     */
    private static void registryFootprint(EmbeddedKafka kafka, EmbeddedPostgres postgres) throws Exception {
        try (ClusterStore store = ClusterStore.open(ClusterTesting.newSchema(postgres, "bench"),
                ClusterTesting.newTopic(kafka, PARTITIONS, "bench"));
             GatewayCore node = GatewayCore.builder().store(store).start()) {
            long before = usedHeapAfterGc();
            List<CompletableFuture<?>> created = new ArrayList<>(FOOTPRINT_DEVICES);
            long start = System.nanoTime();
            for (int i = 0; i < FOOTPRINT_DEVICES; i++) {
                created.add(node.registry().create(DeviceId.of("fleet-device-" + i)));
            }
            CompletableFuture.allOf(created.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - start) / 1e9;
            created.clear();
            long after = usedHeapAfterGc();
            System.out.printf("registry: %d devices created through one node in %.1f s (%.0f/s); heap per device %d bytes%n",
                    FOOTPRINT_DEVICES, seconds, FOOTPRINT_DEVICES / seconds, (after - before) / FOOTPRINT_DEVICES);
        }
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void sends(GatewayCore through, DeviceId device, int count) throws InterruptedException {
        sends(through, device, count, new long[count]);
    }

    private static void sends(GatewayCore through, DeviceId device, int count, long[] micros) throws InterruptedException {
        Semaphore inFlight = new Semaphore(SENDS_IN_FLIGHT);
        CountDownLatch done = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            int index = i;
            long sent = System.nanoTime();
            through.c2d().send(device, C2dRequest.of(null, new byte[EVENT_BYTES])).whenComplete((id, failure) -> {
                if (failure != null) {
                    System.err.println("send failed: " + failure);
                }
                micros[index] = (System.nanoTime() - sent) / 1000;
                inFlight.release();
                done.countDown();
            });
        }
        done.await(5, TimeUnit.MINUTES);
    }

    /** What a C2D send writes: the message and its delivery count. */
    private static WriteBatch batch(int i) {
        String device = "device-" + (i % DEVICES);
        return WriteBatch.put(StateKey.of(RecordKind.C2D_MESSAGE, device, i), new byte[200])
                .andPut(StateKey.of(RecordKind.C2D_DELIVERY_COUNT, device, i), new byte[4]);
    }

    private static String percentiles(long[] micros) {
        long[] sorted = micros.clone();
        Arrays.sort(sorted);
        return String.format("p50 %.2f ms, p99 %.2f ms, max %.2f ms", sorted[sorted.length / 2] / 1000.0,
                sorted[(int) (sorted.length * 0.99)] / 1000.0, sorted[sorted.length - 1] / 1000.0);
    }
}
