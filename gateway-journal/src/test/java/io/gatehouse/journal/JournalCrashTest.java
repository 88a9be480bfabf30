package io.gatehouse.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of concurrent writing, several times over: every operation the killed process saw
 * complete is there after recovery, each device's state is exactly what some prefix of its batches makes
 * (so in order, and nothing deleted comes back), and each partition's events are contiguous up to at least
 * the last acknowledged one.
 */
class JournalCrashTest {

    private static final int ROUNDS = 5;

    @TempDir
    Path tmp;

    @Test
    void acknowledgedOperationsSurviveKillNineAtRandomMoments() throws Exception {
        Path dir = tmp.resolve("journal");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        long[] acked = new long[CrashWorkload.DEVICES];
        long[] ackedEvents = new long[CrashWorkload.PARTITIONS];
        Arrays.fill(acked, -1);
        Arrays.fill(ackedEvents, -1);
        long totalAcks = 0;
        for (int round = 1; round <= ROUNDS; round++) {
            long killAfter = 2000 + random.nextInt(20_000);
            Path errors = tmp.resolve("worker-" + round + ".err");
            Process worker = new ProcessBuilder(javaBinary(), "-Xmx256m",
                    "-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile", "core-logback-test.xml"),
                    "-cp", System.getProperty("java.class.path"),
                    CrashWorkload.class.getName(), dir.toString())
                    .redirectError(errors.toFile()).start();
            AtomicLong acks = new AtomicLong();
            CountDownLatch reachedKillPoint = new CountDownLatch(1);
            Thread reader = new Thread(() -> readAcks(worker, acked, ackedEvents, acks, killAfter, reachedKillPoint));
            reader.start();
            boolean reached = reachedKillPoint.await(60, TimeUnit.SECONDS);
            worker.destroyForcibly(); // SIGKILL on Linux
            assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.join(30_000);
            assertThat(reached).as("round %d (seed %d): the worker acknowledged %d operations; stderr: %s", round, seed,
                    acks.get(), Files.readString(errors)).isTrue();
            totalAcks += acks.get();
            verify(dir, acked, ackedEvents, "round " + round + " (seed " + seed + ")");
        }
        assertThat(totalAcks).isGreaterThan(ROUNDS * 2000L);
    }

    private static void readAcks(Process worker, long[] acked, long[] ackedEvents, AtomicLong acks, long killAfter,
                                 CountDownLatch reachedKillPoint) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(" ");
                if (parts[0].equals("S")) {
                    int d = Integer.parseInt(parts[1]);
                    acked[d] = Math.max(acked[d], Long.parseLong(parts[2]));
                } else if (parts[0].equals("V")) {
                    int p = Integer.parseInt(parts[1]);
                    ackedEvents[p] = Math.max(ackedEvents[p], Long.parseLong(parts[2]));
                } else {
                    continue;
                }
                if (acks.incrementAndGet() >= killAfter) {
                    reachedKillPoint.countDown();
                }
            }
        } catch (IOException | RuntimeException e) {
            // the pipe breaks when the process dies: what was read is what counts
        }
    }

    private static void verify(Path dir, long[] acked, long[] ackedEvents, String round) {
        try (JournalStore store = JournalStore.open(dir, CrashWorkload.options())) {
            Map<Integer, Map<StateKey, String>> byDevice = new HashMap<>();
            store.state().forEachLive((key, value) -> byDevice
                    .computeIfAbsent(Integer.parseInt(key.owner().substring("device-".length())), d -> new TreeMap<>())
                    .put(key, CrashWorkload.text(value)));
            for (int d = 0; d < CrashWorkload.DEVICES; d++) {
                Map<StateKey, String> state = byDevice.getOrDefault(d, Map.of());
                long n = state.keySet().stream().filter(k -> k.kind() == RecordKind.C2D_MESSAGE)
                        .mapToLong(k -> k.id() + 1).max().orElse(0);
                assertThat(n).as("%s: device %d holds batches up to %d, acknowledged %d", round, d, n - 1, acked[d])
                        .isGreaterThan(acked[d]);
                assertThat(state).as("%s: device %d after %d batches", round, d, n).isEqualTo(CrashWorkload.expected(d, n));
            }
            for (int p = 0; p < CrashWorkload.PARTITIONS; p++) {
                List<EventRecord> events = new ArrayList<>();
                long next = 0;
                List<EventRecord> batch;
                while (!(batch = store.events().read(p, next, 1000)).isEmpty()) {
                    events.addAll(batch);
                    next = batch.get(batch.size() - 1).sequenceNumber() + 1;
                }
                long last = events.isEmpty() ? -1 : events.get(events.size() - 1).sequenceNumber();
                assertThat(last).as("%s: partition %d", round, p).isGreaterThanOrEqualTo(ackedEvents[p]);
                for (int i = 0; i < events.size(); i++) {
                    EventRecord e = events.get(i);
                    assertThat(e.sequenceNumber()).as("%s: partition %d contiguous", round, p)
                            .isEqualTo(events.get(0).sequenceNumber() + i);
                    assertThat(e.payload()).isEqualTo(CrashWorkload.eventPayload(p, e.sequenceNumber()));
                    assertThat(e.offset()).isEqualTo(e.sequenceNumber() * 1000);
                }
            }
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
