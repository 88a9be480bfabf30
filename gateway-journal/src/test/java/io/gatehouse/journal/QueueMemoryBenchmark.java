package io.gatehouse.journal;

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
import io.gatehouse.core.testing.GatewayThreads;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.management.ObjectName;

/**
 * Heap per queued C2D message, and the drain rate of an offline backlog (not part of CI). Run with
 * {@code ./mvnw -B -q -pl gateway-journal -am -Pbench-queue-memory -DskipTests verify} (arguments:
 * {@code -Dbench.args="..."}).
 *
 * <p>A core on the journal (default options) gets {@code devices} devices with no receiver; then
 * {@code messages} messages of {@code size} bytes per device are sent (a UUID message id and the {@code to}
 * the service SDKs set, {@code iothub-ack} as given). After a full GC the live heap is compared with the
 * one before the sends: the difference over the number of messages is the heap per queued message, the
 * journal's index included; a class histogram shows where it goes. Then every device attaches a receiver with
 * {@code credit} in flight (credit comes back as each message is completed, as MQTT's PUBACKs return it), and
 * the drain rate is the whole backlog over the time until the last completion is durable. Last, with the receivers
 * still attached, as many messages again are sent and delivered as they come (the hot path, where content
 * never leaves memory): the rate is from the first send to the last completion. Each phase also prints the
 * process's CPU time per message, which other work on a shared machine disturbs less than the rates.
 *
 * <p>With {@code restart=true} the core and the journal are closed once the backlog is queued and opened again, as
 * after a restart of the hub: the heap per queued message is measured again on what recovery rebuilt, and the later
 * phases run on the reopened core.
 *
 * <p>Options: {@code devices=10000 messages=50 size=256 credit=16 shards=2 ack=none restart=false dir=path}.
 */
public final class QueueMemoryBenchmark {

    private static final int IN_FLIGHT_SENDS = 4096;
    private static final int HISTOGRAM_ROWS = 14;

    private final int devices;
    private final int messagesPerDevice;
    private final int size;
    private final int credit;
    private final int shards;
    private final AckMode ack;
    private final boolean restart;

    private QueueMemoryBenchmark(Map<String, String> options) {
        this.devices = Integer.parseInt(options.getOrDefault("devices", "10000"));
        this.messagesPerDevice = Integer.parseInt(options.getOrDefault("messages", "50"));
        this.size = Integer.parseInt(options.getOrDefault("size", "256"));
        this.credit = Integer.parseInt(options.getOrDefault("credit", "16"));
        this.shards = Integer.parseInt(options.getOrDefault("shards", "2"));
        this.ack = AckMode.parse(options.getOrDefault("ack", "none"));
        this.restart = Boolean.parseBoolean(options.getOrDefault("restart", "false"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (String arg : String.join(" ", args).trim().split("\\s+")) {
            if (!arg.isEmpty()) {
                String[] kv = arg.split("=", 2);
                options.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        Path dir = options.containsKey("dir") ? Path.of(options.get("dir")) : Files.createTempDirectory("queue-memory");
        try {
            new QueueMemoryBenchmark(options).run(dir.resolve("journal"));
        } finally {
            deleteRecursively(dir);
        }
    }

    private void run(Path journal) throws Exception {
        HubSettings settings = HubSettings.defaults()
                .with(HubSettings.C2D_MAX_QUEUE_DEPTH.property(), Integer.toString(Math.max(50, messagesPerDevice)));
        JournalStore store = JournalStore.open(journal, JournalOptions.defaults(settings.eventPartitions()));
        GatewayCore core = GatewayCore.builder().settings(settings).store(store).shards(shards).start();
        try {
            List<DeviceId> ids = new ArrayList<>(devices);
            for (int i = 0; i < devices; i++) {
                ids.add(DeviceId.of("device-" + i));
            }
            Map<String, long[]> empty = histogram();
            long heapEmpty = liveHeap();
            register(core, ids);
            Map<String, long[]> before = histogram();
            long heapBefore = liveHeap();
            System.out.printf(Locale.ROOT, "live heap: %.1f B per registered device (no message queued)%n",
                    (double) (heapBefore - heapEmpty) / devices);
            printHistogramDelta(empty, before, devices);

            long total = (long) devices * messagesPerDevice;
            long sendStart = System.nanoTime();
            long sendCpu = cpuNanos();
            sendBacklog(core, ids);
            double sendSeconds = seconds(sendStart);
            double sendCpuMicros = cpuMicrosPerMessage(sendCpu, total);

            System.out.printf(Locale.ROOT, "queued %,d messages of %d B to %,d devices (ack %s) in %.1f s: %,.0f msg/s, "
                    + "%.1f CPU-us/msg%n", total, size, devices, ack.wireName(), sendSeconds, total / sendSeconds, sendCpuMicros);
            printQueuedHeap("after the sends", before, heapBefore, total);
            if (restart) {
                core.close();
                store.close();
                long openStart = System.nanoTime();
                store = JournalStore.open(journal, JournalOptions.defaults(settings.eventPartitions()));
                core = GatewayCore.builder().settings(settings).store(store).shards(shards).start();
                System.out.printf(Locale.ROOT, "reopened the journal and the core in %.1f s%n", seconds(openStart));
                printQueuedHeap("after a restart", before, heapBefore, total);
            }

            held(core, ids);
            List<CompletingSink> sinks = drain(core, ids, total);
            live(core, ids, sinks, total);
        } finally {
            core.close();
            store.close();
        }
    }

    private static void register(GatewayCore core, List<DeviceId> ids) throws InterruptedException {
        bounded(ids, id -> core.registry().create(id));
    }

    /** Sends {@code messages} messages to every device, a round over all devices at a time. */
    private void sendBacklog(GatewayCore core, List<DeviceId> ids) throws InterruptedException {
        List<DeviceId> sends = new ArrayList<>();
        for (int m = 0; m < messagesPerDevice; m++) {
            sends.addAll(ids);
        }
        bounded(sends, id -> core.c2d().send(id, request(id, new byte[size])));
    }

    private static void printQueuedHeap(String when, Map<String, long[]> before, long heapBefore, long total)
            throws Exception {
        long heap = liveHeap();
        System.out.printf(Locale.ROOT, "live heap: %,d B before the sends, %,d B %s: %.1f B per queued message%n",
                heapBefore, heap, when, (double) (heap - heapBefore) / total);
        printHistogramDelta(before, histogram(), total);
    }

    private C2dRequest request(DeviceId device, byte[] body) {
        MessageProperties properties = MessageProperties.builder()
                .messageId(UUID.randomUUID().toString())
                .to("/devices/" + device + "/messages/devicebound")
                .build();
        return new C2dRequest(properties, ack, null, body);
    }

    /**
     * What a delivery in flight costs: every device attaches a receiver that holds what it gets, as devices that
     * have not acknowledged yet do, and the live heap once every device holds {@code credit} is compared with the
     * heap before. Closing the receivers then abandons every lock, and the messages are queued again.
     */
    private void held(GatewayCore core, List<DeviceId> ids) throws Exception {
        long locks = (long) ids.size() * Math.min(credit, messagesPerDevice);
        Map<String, long[]> before = histogram();
        long heapBefore = liveHeap();
        CountDownLatch delivered = new CountDownLatch((int) locks);
        List<Receiver> receivers = new ArrayList<>(ids.size());
        for (DeviceId id : ids) {
            Receiver receiver = core.c2d().openReceiver(id, new HoldingSink(delivered));
            receiver.addCredit(credit);
            receivers.add(receiver);
        }
        await(delivered);
        long heapHeld = liveHeap();
        Map<String, long[]> after = histogram();
        System.out.printf(Locale.ROOT, "live heap with %,d deliveries in flight: %.1f B per delivery%n", locks,
                (double) (heapHeld - heapBefore) / locks);
        printHistogramDelta(before, after, locks);
        receivers.forEach(Receiver::close);
    }

    /**
     * Keeps every delivery unsettled, as a device that has not acknowledged yet; like the MQTT adapter, it keeps
     * only the lock token once the message is on its way.
     */
    private static final class HoldingSink implements DeliverySink {
        private final CountDownLatch delivered;
        private final List<LockToken> held = new ArrayList<>();

        HoldingSink(CountDownLatch delivered) {
            this.delivered = delivered;
        }

        @Override
        public synchronized void deliver(Delivery delivery) {
            held.add(delivery.lockToken());
            delivered.countDown();
        }

        @Override
        public void lockLost(LockToken lockToken) {
            System.err.println("lock lost: " + lockToken);
        }
    }

    /** Attaches a receiver to every device and times until the whole backlog is completed. */
    private List<CompletingSink> drain(GatewayCore core, List<DeviceId> ids, long total) throws InterruptedException {
        CountDownLatch completed = new CountDownLatch((int) total);
        long start = System.nanoTime();
        long cpu = cpuNanos();
        long allocated = GatewayThreads.allocatedBytes();
        List<CompletingSink> sinks = new ArrayList<>(ids.size());
        for (DeviceId id : ids) {
            CompletingSink sink = new CompletingSink(completed);
            sink.receiver = core.c2d().openReceiver(id, sink);
            sink.receiver.addCredit(credit);
            sinks.add(sink);
        }
        await(completed);
        double drainSeconds = seconds(start);
        System.out.printf(Locale.ROOT, "drained %,d messages with %d credit per device in %.1f s: %,.0f msg/s, "
                + "%.1f CPU-us/msg, gateway threads allocated %,.0f B/msg%n", total, credit, drainSeconds,
                total / drainSeconds, cpuMicrosPerMessage(cpu, total),
                (GatewayThreads.allocatedBytes() - allocated) / (double) total);
        return sinks;
    }

    /** Sends as many messages again to the attached receivers; times until the last is completed. */
    private void live(GatewayCore core, List<DeviceId> ids, List<CompletingSink> sinks, long total)
            throws InterruptedException {
        CountDownLatch completed = new CountDownLatch((int) total);
        sinks.forEach(sink -> sink.completed = completed);
        List<DeviceId> sends = new ArrayList<>();
        for (int m = 0; m < messagesPerDevice; m++) {
            sends.addAll(ids);
        }
        long start = System.nanoTime();
        long cpu = cpuNanos();
        bounded(sends, id -> core.c2d().send(id, request(id, new byte[size])));
        await(completed);
        double liveSeconds = seconds(start);
        System.out.printf(Locale.ROOT, "sent and delivered %,d messages to attached receivers in %.1f s: %,.0f msg/s, "
                + "%.1f CPU-us/msg%n", total, liveSeconds, total / liveSeconds, cpuMicrosPerMessage(cpu, total));
        sinks.forEach(sink -> sink.receiver.close());
    }

    private static void await(CountDownLatch completed) throws InterruptedException {
        if (!completed.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException(completed.getCount() + " messages were not delivered in 10 minutes");
        }
    }

    /** Completes each delivery, then gives its credit back. */
    private static final class CompletingSink implements DeliverySink {
        volatile CountDownLatch completed;
        volatile Receiver receiver;

        CompletingSink(CountDownLatch completed) {
            this.completed = completed;
        }

        @Override
        public void deliver(Delivery delivery) {
            receiver.complete(delivery.lockToken()).whenComplete((ok, failure) -> {
                if (failure != null) {
                    failure.printStackTrace();
                }
                completed.countDown();
                receiver.addCredit(1);
            });
        }

        @Override
        public void lockLost(LockToken lockToken) {
            System.err.println("lock lost: " + lockToken);
        }
    }

    /** Runs {@code operation} on every item with a bounded number in flight; waits for all. */
    private static <T> void bounded(List<T> items, Function<T, CompletableFuture<?>> operation) throws InterruptedException {
        Semaphore inFlight = new Semaphore(IN_FLIGHT_SENDS);
        for (T item : items) {
            inFlight.acquire();
            operation.apply(item).whenComplete((ok, failure) -> {
                if (failure != null) {
                    failure.printStackTrace();
                }
                inFlight.release();
            });
        }
        inFlight.acquire(IN_FLIGHT_SENDS);
    }

    private static long liveHeap() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(200); // lets reference processing and finalizers settle between collections
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Instances and bytes per class after a full GC, from the JVM's class histogram. */
    private static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {null}, new String[] {String[].class.getName()});
        Map<String, long[]> classes = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                classes.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        return classes;
    }

    private static void printHistogramDelta(Map<String, long[]> before, Map<String, long[]> after, long total) {
        System.out.println("classes that grew most (instances, bytes per message):");
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), delta(e.getValue(), before.get(e.getKey()))))
                .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[1]))
                .limit(HISTOGRAM_ROWS)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %-60s %,10d %8.1f%n", e.getKey(), e.getValue()[0],
                        (double) e.getValue()[1] / total));
    }

    private static long[] delta(long[] after, long[] before) {
        return before == null ? after : new long[] {after[0] - before[0], after[1] - before[1]};
    }

    /** CPU time of this process (every thread, the GC's too): steadier than wall time on a shared machine. */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double cpuMicrosPerMessage(long startCpuNanos, long messages) {
        return (cpuNanos() - startCpuNanos) / 1e3 / messages;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
