package io.gatehouse.bench.broker;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A broker running in its own OS process, started by the harness: its output goes to a log file, a line on its
 * output tells when it is ready, and stopping ends exactly this process (by its pid), never anything else.
 */
public final class BrokerProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    /** SIGTERM to exactly this process if the harness exits while it runs. */
    private final Runnable destroyOnExit;
    private final Path log;
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile String readyLine;

    private BrokerProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.destroyOnExit = process::destroy;
        StopOnExit.add(destroyOnExit);
    }

    /** Starts {@code command} and waits until it accepts TCP connections on {@code port} (for quiet programs). */
    public static BrokerProcess startListening(String name, List<String> command, Path workDir, Path log, int port,
                                               Duration timeout) throws IOException {
        BrokerProcess bp = start(name, command, workDir, log, line -> false, Duration.ZERO, false);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && bp.isAlive()) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return bp;
            } catch (IOException notYet) {
                sleepBriefly();
            }
        }
        bp.close();
        throw new IOException(name + " did not accept connections on port " + port + "; see " + log);
    }

    private static void sleepBriefly() {
        try {
            TimeUnit.MILLISECONDS.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts {@code command} and waits until a line of its output satisfies {@code isReady}; fails (and ends the
     * process) if it exits or the timeout passes first.
     */
    public static BrokerProcess start(String name, List<String> command, Path workDir, Path log,
                                      Predicate<String> isReady, Duration timeout) throws IOException {
        return start(name, command, workDir, log, isReady, timeout, true);
    }

    private static BrokerProcess start(String name, List<String> command, Path workDir, Path log,
                                       Predicate<String> isReady, Duration timeout, boolean awaitLine) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        // the harness's own settings (GATEHOUSE_BENCH_*) are not the gateway's: it refuses GATEHOUSE_ names it does not know
        pb.environment().keySet().removeIf(variable -> variable.startsWith("GATEHOUSE_BENCH_"));
        Process p = pb.start();
        BrokerProcess bp = new BrokerProcess(name, p, log);
        Thread pump = new Thread(() -> bp.pumpOutput(isReady), name + "-output");
        pump.setDaemon(true);
        pump.start();
        if (!awaitLine) {
            return bp;
        }
        try {
            boolean ok = bp.ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!ok || bp.readyLine == null || !p.isAlive()) {
                String why = !p.isAlive() ? "exited with " + p.exitValue() : !ok ? "not ready within " + timeout.toSeconds() + " s" : "?";
                bp.close();
                throw new IOException(name + " did not start (" + why + "); see " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            bp.close();
            throw new IOException("interrupted while starting " + name, e);
        }
        return bp;
    }

    private void pumpOutput(Predicate<String> isReady) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.println(line);
                if (ready.getCount() > 0 && isReady.test(line)) {
                    readyLine = line;
                    ready.countDown();
                }
            }
        } catch (IOException e) {
            // the process ended or the log could not be written; readiness then times out
        } finally {
            ready.countDown();
        }
    }

    /** The output line that said the broker was ready (null for brokers started by port probe). */
    public String readyLine() {
        return readyLine;
    }

    public long pid() {
        return process.pid();
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Asks the process to stop (end of its input, then SIGTERM), and kills it if it has not ended within 30 s. */
    @Override
    public void close() {
        try {
            stop();
        } finally {
            StopOnExit.remove(destroyOnExit);
        }
    }

    private void stop() {
        if (!process.isAlive()) {
            return;
        }
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
