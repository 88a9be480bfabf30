package io.gatehouse.bench.os;

import io.gatehouse.bench.broker.Launch;
import io.gatehouse.bench.load.Latencies;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What the machine itself adds to every broker's latency, measured before the scenarios so that each report states
 * the floor its figures stand on:
 * <ul>
 *   <li>the round trip of a small packet over loopback TCP between the load generator's CPU and the brokers' CPU,
 *       one every {@value #PING_GAP_MICROS} µs as the open-loop generator sends (so both CPUs go idle between
 *       packets, and waking an idle CPU is part of the cost, as it is for a broker at a moderate rate);</li>
 *   <li>a {@value #SYNC_BYTES}-byte write and {@code fdatasync} into the work directory, where the brokers' data
 *       lives: what one durable group commit costs at least.</li>
 * </ul>
 */
public record MachineFloor(Latencies.Summary roundTrip, Latencies.Summary sync) {

    static final int PING_BYTES = 64;
    static final int PING_GAP_MICROS = 500;
    static final int SYNC_BYTES = 4096;
    private static final long PING_WARM_UP_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long PING_MEASURED_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final Duration ECHO_START_LIMIT = Duration.ofSeconds(30);
    private static final int SYNC_WARM_UP = 100;
    private static final int SYNCS = 2_000;

    /**
     * Measures both; the echo runs as a child JVM pinned as brokers are ({@code launch}), this JVM being the load
     * generator's side. Takes about ten seconds.
     */
    public static MachineFloor measure(Launch launch, String classPath, Path workDir) throws IOException, InterruptedException {
        return new MachineFloor(roundTrip(launch, classPath), sync(workDir));
    }

    /** The report's line: the measured floor, or why it is missing (a failed measurement does not stop a run). */
    public static String describeOrExplain(Launch launch, String classPath, Path workDir) {
        try {
            return measure(launch, classPath, workDir).describe();
        } catch (IOException | RuntimeException e) {
            return "not measured (" + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "not measured (interrupted)";
        }
    }

    public String describe() {
        return String.format(Locale.ROOT, "%d-byte ping over loopback TCP from the load generator's CPU to an echo on "
                        + "the brokers' CPU, one every %d µs: p50 %s, p99 %s, p99.9 %s; %d-byte write + fdatasync in the "
                        + "work directory: p50 %s, p99 %s, p99.9 %s. No broker's round trip here is faster than the first, "
                        + "nor a durable acknowledgement than both",
                PING_BYTES, PING_GAP_MICROS, micros(roundTrip.p50Micros()), micros(roundTrip.p99Micros()),
                micros(roundTrip.p999Micros()), SYNC_BYTES, micros(sync.p50Micros()), micros(sync.p99Micros()),
                micros(sync.p999Micros()));
    }

    private static String micros(double value) {
        return String.format(Locale.ROOT, "%,.0f µs", value);
    }

    private static Latencies.Summary roundTrip(Launch launch, String classPath) throws IOException, InterruptedException {
        List<String> command = launch.java(List.of("-Xms16m", "-Xmx32m"), classPath, EchoMain.class.getName(), List.of());
        Process echo = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            int port = echoPort(echo, ECHO_START_LIMIT);
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(5_000);
                Latencies latencies = new Latencies();
                ping(socket, PING_WARM_UP_NANOS, latencies);
                latencies.reset();
                ping(socket, PING_MEASURED_NANOS, latencies);
                return latencies.takeSummary();
            }
        } finally {
            echo.destroy();
            if (!echo.waitFor(10, TimeUnit.SECONDS)) {
                echo.destroyForcibly();
            }
        }
    }

    /**
     * The port the echo process prints first. One that stays silent past {@code limit} is ended, which the read
     * sees as the end of its output: the run goes on without the floor rather than waiting for ever.
     */
    static int echoPort(Process echo, Duration limit) throws IOException {
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(echo::destroyForcibly,
                CompletableFuture.delayedExecutor(limit.toMillis(), TimeUnit.MILLISECONDS));
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(echo.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null || !line.startsWith("PORT ")) {
                throw new IOException("the echo process did not start within " + limit.toSeconds() + " s: " + line);
            }
            return Integer.parseInt(line.substring(5).trim());
        } finally {
            watchdog.cancel(false);
        }
    }

    /** Pings on a fixed schedule for {@code nanos}: a late ping is sent at once, and its lateness is not counted. */
    private static void ping(Socket socket, long nanos, Latencies latencies) throws IOException {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        byte[] ping = new byte[PING_BYTES];
        long start = System.nanoTime();
        long gap = TimeUnit.MICROSECONDS.toNanos(PING_GAP_MICROS);
        for (long due = start; due - start < nanos; due += gap) {
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            long sent = System.nanoTime();
            out.write(ping);
            if (in.readNBytes(ping, 0, ping.length) != ping.length) {
                throw new IOException("the echo process closed the connection");
            }
            latencies.recordNanos(System.nanoTime() - sent);
        }
    }

    private static Latencies.Summary sync(Path workDir) throws IOException {
        Files.createDirectories(workDir);
        Path file = workDir.resolve("machine-floor-sync.bin");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            // written and forced ahead, as a journal's segments are: a sync then flushes data, not file-system metadata
            ByteBuffer block = ByteBuffer.allocateDirect(SYNC_BYTES);
            long size = (long) (SYNC_WARM_UP + SYNCS) * SYNC_BYTES;
            for (long at = 0; at < size; at += SYNC_BYTES) {
                channel.write(block.clear(), at);
            }
            channel.force(true);
            Latencies latencies = new Latencies();
            for (int i = 0; i < SYNC_WARM_UP + SYNCS; i++) {
                if (i == SYNC_WARM_UP) {
                    latencies.reset();
                }
                long began = System.nanoTime();
                channel.write(block.clear(), (long) i * SYNC_BYTES);
                channel.force(false);
                latencies.recordNanos(System.nanoTime() - began);
            }
            return latencies.takeSummary();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
