package io.gatehouse.journal;

import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.WriteBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Durable append throughput and commit latency of the journal (not part of CI). Run with
 * {@code ./mvnw -B -q -pl gateway-core -Pbench-journal verify} (arguments: {@code -Dbench.args="..."}).
 *
 * <p>Closed loop: N producers, each an in-flight window of one — it appends its next record when the previous
 * one completes — for 256 B and 4 KiB records and 1, 16, 256 and 1,024 producers. Then open loop: appends
 * issued on a fixed schedule at half the closed-loop maximum of 256 producers with 256 B records; latency is
 * measured from the scheduled time (no coordinated omission). Prints records/s, fsyncs per record and commit
 * latency percentiles.
 *
 * <p>Options: {@code target=events|state} (D2C events spread over the partitions, or one-put state batches),
 * {@code partitions=N}, {@code seconds=N}, {@code warmup=N}, {@code sync=always|batch|batch(500us)|never},
 * {@code preallocate=true|false}, {@code sizes=256,4096}, {@code producers=1,16,256,1024},
 * {@code dir=path}, {@code openloop=true|false}, {@code recoveryMb=N} (also time opening a journal holding N MiB
 * of 1 KiB events).
 */
public final class JournalBenchmark {

    private final Path root;
    private final String target;
    private final int partitions;
    private final int seconds;
    private final int warmup;
    private final SyncPolicy sync;
    private final boolean preallocate;
    private final int spares;
    private final int segmentMb;

    private JournalBenchmark(Path root, String target, int partitions, int seconds, int warmup, SyncPolicy sync,
                             boolean preallocate, int spares, int segmentMb) {
        this.root = root;
        this.target = target;
        this.partitions = partitions;
        this.seconds = seconds;
        this.warmup = warmup;
        this.sync = sync;
        this.preallocate = preallocate;
        this.spares = spares;
        this.segmentMb = segmentMb;
    }

    /** One measured run. */
    record Result(double recordsPerSecond, double forcesPerRecord, double recordsPerPass, Histogram latency) {
        String latencyText() {
            return String.format(Locale.ROOT, "p50 %7.1f  p99 %7.1f  p99.9 %8.1f  max %8.1f us",
                    latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
                    latency.getValueAtPercentile(99.9) / 1000.0, latency.getMaxValue() / 1000.0);
        }
    }

    public static void main(String[] args) throws Exception {
        java.util.Map<String, String> o = new java.util.HashMap<>();
        for (String arg : args) {
            for (String part : arg.trim().split("\\s+")) {
                if (part.contains("=")) {
                    o.put(part.substring(0, part.indexOf('=')), part.substring(part.indexOf('=') + 1));
                }
            }
        }
        JournalBenchmark bench = new JournalBenchmark(Path.of(o.getOrDefault("dir", "target/journal-bench")),
                o.getOrDefault("target", "events"), Integer.parseInt(o.getOrDefault("partitions", "4")),
                Integer.parseInt(o.getOrDefault("seconds", "5")), Integer.parseInt(o.getOrDefault("warmup", "2")),
                SyncPolicy.parse(o.getOrDefault("sync", "batch")), Boolean.parseBoolean(o.getOrDefault("preallocate", "true")),
                Integer.parseInt(o.getOrDefault("spares", "2")), Integer.parseInt(o.getOrDefault("segmentMb", "32")));
        int[] sizes = ints(o.getOrDefault("sizes", "256,4096"));
        int[] producers = ints(o.getOrDefault("producers", "1,16,256,1024"));

        System.out.printf(Locale.ROOT, "Journal benchmark: target=%s partitions=%d sync=%s preallocate=%s, %d s per run "
                        + "after %d s warm-up, %d MiB segments, %d spares, %d cores, dir %s%n", bench.target, bench.partitions, bench.sync,
                bench.preallocate, bench.seconds, bench.warmup, bench.segmentMb, bench.spares,
                Runtime.getRuntime().availableProcessors(),
                bench.root.toAbsolutePath());
        bench.diskBaseline();
        System.out.println("Closed loop (each producer appends its next record when the previous is durable):");
        double max256 = 0;
        for (int size : sizes) {
            for (int n : producers) {
                Result r = bench.closedLoop(size, n);
                System.out.printf(Locale.ROOT, "  %5d B  %5d producers: %,10.0f records/s  %.4f fsyncs/record  "
                        + "%6.1f records/pass  %s%n", size, n, r.recordsPerSecond(), r.forcesPerRecord(), r.recordsPerPass(),
                        r.latencyText());
                if (size == 256 && n == 256) {
                    max256 = r.recordsPerSecond();
                }
            }
        }
        int recoveryMb = Integer.parseInt(o.getOrDefault("recoveryMb", "0"));
        if (recoveryMb > 0) {
            bench.recovery(recoveryMb);
        }
        if (Boolean.parseBoolean(o.getOrDefault("openloop", "true")) && max256 > 0) {
            long rate = (long) (max256 / 2);
            Recorder fromCall = new Recorder(3);
            Result r = bench.openLoop(256, rate, fromCall);
            System.out.printf(Locale.ROOT, "Open loop at half the 256-producer maximum (%,d records/s offered, 256 B): "
                    + "%,.0f records/s  %.4f fsyncs/record%n    latency from the scheduled time: %s%n", rate,
                    r.recordsPerSecond(), r.forcesPerRecord(), r.latencyText());
            Result call = new Result(0, 0, 0, fromCall.getIntervalHistogram());
            System.out.printf(Locale.ROOT, "    latency from the append call:    %s%n", call.latencyText());
        }
    }

    private Result closedLoop(int size, int producers) throws Exception {
        return withStore(store -> {
            Appends appends = new Appends(store, size);
            Recorder recorder = new Recorder(3);
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong completed = new AtomicLong();
            for (int i = 0; i < producers; i++) {
                int producer = i;
                appends.next(producer, recorder, running, completed);
            }
            return measure(store, recorder, completed, () -> running.set(false), () -> { });
        });
    }

    private Result openLoop(int size, long ratePerSecond, Recorder fromCall) throws Exception {
        return withStore(store -> {
            Appends appends = new Appends(store, size);
            Recorder recorder = new Recorder(3);
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong completed = new AtomicLong();
            Thread pacer = new Thread(() -> {
                long interval = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
                long start = System.nanoTime();
                long issued = 0;
                int producer = 0;
                while (running.get()) {
                    long now = System.nanoTime();
                    long due = (now - start) / interval;
                    while (issued < due) {
                        long scheduled = start + issued * interval;
                        appends.once(producer++ & 1023, scheduled, recorder, fromCall, completed);
                        issued++;
                    }
                    LockSupport.parkNanos(20_000);
                }
            }, "pacer");
            pacer.start();
            Result r = measure(store, recorder, completed, () -> running.set(false), fromCall::reset);
            pacer.join();
            return r;
        });
    }

    /** The disk's own latency: 4 KiB written and forced at a time into a zero-filled file, for comparison. */
    private void diskBaseline() throws IOException {
        Files.createDirectories(root);
        Path file = root.resolve("baseline");
        Histogram latency = new Histogram(3);
        int count = 2000;
        try (JournalChannel channel = NioFileLayer.INSTANCE.open(file, true)) {
            java.nio.ByteBuffer block = java.nio.ByteBuffer.allocateDirect(4096);
            for (long at = 0; at < count * 4096L; at += 4096) {
                block.clear();
                channel.writeFully(block, at);
            }
            channel.force(true);
            for (int i = 0; i < count; i++) {
                block.clear();
                long start = System.nanoTime();
                channel.writeFully(block, i * 4096L);
                channel.force(false);
                latency.recordValue(System.nanoTime() - start);
            }
        }
        Files.delete(file);
        System.out.printf(Locale.ROOT, "Disk baseline: one 4 KiB write + fdatasync: p50 %.1f  p99 %.1f  p99.9 %.1f us%n",
                latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
                latency.getValueAtPercentile(99.9) / 1000.0);
    }

    /** Writes {@code megabytes} of 1 KiB events plus some state, then times opening (recovering) the journal. */
    private void recovery(int megabytes) throws Exception {
        deleteDirectory(root);
        JournalOptions options = options();
        long events = megabytes * 1024L;
        try (JournalStore store = JournalStore.open(root, options)) {
            Appends appends = new Appends(store, 1024);
            List<CompletableFuture<Void>> window = new ArrayList<>();
            for (long i = 0; i < events; i++) {
                window.add(appends.append((int) i));
                if (i % 1000 == 0) {
                    window.add(store.state().write(WriteBatch.put(StateKey.of(RecordKind.C2D_MESSAGE, "d", i % 50_000),
                            new byte[200])));
                }
                if (window.size() >= 4096) {
                    CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).join();
                    window.clear();
                }
            }
            CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).join();
        }
        long start = System.nanoTime();
        try (JournalStore store = JournalStore.open(root, options)) {
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf(Locale.ROOT, "Recovery: opening a journal with %,d MiB of events (%,d events) took %,d ms "
                    + "(%.0f MiB/s; files were in the page cache); last event %d%n", megabytes, events, millis,
                    megabytes * 1000.0 / Math.max(1, millis), store.events().last(0).sequenceNumber());
        }
        deleteDirectory(root);
    }

    private Result measure(JournalStore store, Recorder recorder, AtomicLong completed, Runnable stop, Runnable reset) {
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(warmup));
        recorder.reset();
        reset.run();
        JournalStats before = store.stats();
        long done = completed.get();
        long start = System.nanoTime();
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(seconds));
        long elapsed = System.nanoTime() - start;
        JournalStats after = store.stats();
        long records = completed.get() - done;
        Histogram latency = recorder.getIntervalHistogram();
        stop.run();
        long forces = after.forces() - before.forces();
        long passes = after.passes() - before.passes();
        long written = after.records() - before.records();
        return new Result(records * 1e9 / elapsed, written == 0 ? 0 : (double) forces / written,
                passes == 0 ? 0 : (double) written / passes, latency);
    }

    /** Issues appends: events to partition (producer mod partitions), numbered under the partition's lock as the core does. */
    private final class Appends {
        private final JournalStore store;
        private final byte[] payload;
        private final long[] nextSequence = new long[partitions];
        private final Object[] locks = new Object[partitions];

        Appends(JournalStore store, int size) {
            this.store = store;
            // an event record adds a 41-byte header; a state record ~50 bytes of header and key
            this.payload = new byte[Math.max(1, size - (target.equals("events") ? RecordFormat.EVENT_PAYLOAD : 50))];
            for (int i = 0; i < partitions; i++) {
                locks[i] = new Object();
            }
        }

        CompletableFuture<Void> append(int producer) {
            if (target.equals("state")) {
                return store.state().write(WriteBatch.put(StateKey.of(RecordKind.C2D_MESSAGE, "device-" + producer, 0), payload));
            }
            int p = producer % partitions;
            synchronized (locks[p]) {
                long s = nextSequence[p]++;
                return store.events().append(p, new EventRecord(s, s * payload.length, System.currentTimeMillis(), payload));
            }
        }

        void next(int producer, Recorder recorder, AtomicBoolean running, AtomicLong completed) {
            long started = System.nanoTime();
            append(producer).whenComplete((ok, failure) -> {
                if (failure != null) {
                    if (running.get()) {
                        failure.printStackTrace();
                    }
                    return;
                }
                recorder.recordValue(System.nanoTime() - started);
                completed.incrementAndGet();
                if (running.get()) {
                    next(producer, recorder, running, completed);
                }
            });
        }

        void once(int producer, long scheduled, Recorder fromSchedule, Recorder fromCall, AtomicLong completed) {
            long called = System.nanoTime();
            append(producer).whenComplete((ok, failure) -> {
                if (failure == null) {
                    long now = System.nanoTime();
                    fromSchedule.recordValue(now - scheduled);
                    fromCall.recordValue(now - called);
                    completed.incrementAndGet();
                }
            });
        }
    }

    private interface Run {
        Result run(JournalStore store) throws Exception;
    }

    private Result withStore(Run run) throws Exception {
        deleteDirectory(root);
        JournalOptions options = options();
        Result result;
        try (JournalStore store = JournalStore.open(root, options)) {
            result = run.run(store);
        }
        deleteDirectory(root);
        return result;
    }

    private JournalOptions options() {
        return JournalOptions.defaults(partitions).withSync(sync).withPreallocate(preallocate).withSpareSegments(spares)
                .withSegmentSize(segmentMb * 1024 * 1024);
    }

    private static void deleteDirectory(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            List<Path> paths = new ArrayList<>(all.sorted(Comparator.reverseOrder()).toList());
            for (Path p : paths) {
                Files.delete(p);
            }
        }
    }

    private static int[] ints(String csv) {
        return java.util.Arrays.stream(csv.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }
}
