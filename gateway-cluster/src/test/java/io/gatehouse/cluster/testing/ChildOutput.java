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
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/** Copies a child process's output to a log file and says when a line announces that it is ready. */
final class ChildOutput {

    private static final int TAIL_LINES = 30;

    private ChildOutput() {
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

    /** Why waiting for {@link #watch}'s future failed, in words. */
    static String why(Exception failure, Duration timeout) {
        return failure instanceof TimeoutException
                ? "not ready within " + timeout.toSeconds() + " s" : failure.getCause().getMessage();
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
