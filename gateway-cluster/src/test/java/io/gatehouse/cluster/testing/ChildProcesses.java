package io.gatehouse.cluster.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/** The child processes of the embedded engines: their output in a log file, waiting for them to be ready, stopping them. */
final class ChildProcesses {

    private static final int TAIL_LINES = 30;

    private ChildProcesses() {
    }

    /**
     * Starts a daemon thread that copies the child's output to {@code log}; the future completes at the first
     * line {@code ready} accepts, and fails if the output ends before (the child died).
     */
    static CompletableFuture<Void> watch(Process process, Path log, Predicate<String> ready) {
        CompletableFuture<Void> started = new CompletableFuture<>();
        Thread copier = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.write(line);
                    out.write('\n');
                    out.flush();
                    if (!started.isDone() && ready.test(line)) {
                        started.complete(null);
                    }
                }
            } catch (IOException e) {
                started.completeExceptionally(e);
            }
            started.completeExceptionally(new IllegalStateException("the process ended"));
        }, "child-output-" + process.pid());
        copier.setDaemon(true);
        copier.start();
        return started;
    }

    /**
     * Waits until {@code ready} (from {@link #watch}) completes; when it fails or times out, closes the child
     * and throws with the reason and the end of its output.
     */
    static void awaitReady(String name, CompletableFuture<Void> ready, Duration timeout, Path log, AutoCloseable child)
            throws InterruptedException {
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            String output = tail(log);
            try {
                child.close();
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            String why = e instanceof TimeoutException ? "not ready within " + timeout.toSeconds() + " s" : e.getCause().getMessage();
            throw new IllegalStateException(name + " did not start (" + why + "); its output: " + output, e);
        }
    }

    /** Waits for a child that was asked to stop, and kills it when it does not stop in time. */
    static void awaitExit(Process process, Duration grace) {
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The last lines of a child's log, for the message of a failed start. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no output: " + e + ")";
        }
    }
}
