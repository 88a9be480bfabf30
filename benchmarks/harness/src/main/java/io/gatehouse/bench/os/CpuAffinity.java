package io.gatehouse.bench.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Moving processes the harness did not start through {@code taskset} itself (the Kafka and PostgreSQL of the
 * cluster brokers) onto the brokers' CPUs, and checking that every thread of a broker stays there.
 */
public final class CpuAffinity {

    private static final String ALLOWED = "Cpus_allowed_list:";

    private CpuAffinity() {
    }

    /**
     * Pins every thread of every process of {@code tree} to {@code cpus} (taskset's list syntax: {@code 0},
     * {@code 0-1}, {@code 0,2}). Roots first: what they fork afterwards (a PostgreSQL backend per connection)
     * inherits the affinity; what they had forked already is pinned next.
     */
    public static void pin(ProcessTree tree, String cpus) throws IOException, InterruptedException {
        for (long root : tree.roots()) {
            pin(root, cpus);
        }
        for (long pid : tree.pids()) {
            if (!tree.roots().contains(pid)) {
                pin(pid, cpus);
            }
        }
    }

    private static void pin(long pid, String cpus) throws IOException, InterruptedException {
        Process taskset = new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, Long.toString(pid)).redirectErrorStream(true).start();
        String output = new String(taskset.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!taskset.waitFor(30, TimeUnit.SECONDS)) {
            taskset.destroyForcibly();
            throw new IOException("taskset -a -p -c " + cpus + " " + pid + " did not finish");
        }
        if (taskset.exitValue() != 0) {
            throw new IOException("taskset -a -p -c " + cpus + " " + pid + " failed: " + output.strip());
        }
    }

    /** The threads of {@code tree} (as {@code pid/tid}) allowed on any CPU outside {@code cpus}: empty when all are pinned. */
    public static List<String> threadsOutside(ProcessTree tree, String cpus) {
        SortedSet<Integer> wanted = cpuSet(cpus);
        List<String> outside = new ArrayList<>();
        for (long pid : tree.pids()) {
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
                tasks.forEach(task -> allowedCpus(task).filter(allowed -> !wanted.containsAll(allowed))
                        .ifPresent(allowed -> outside.add(pid + "/" + task.getFileName())));
            } catch (IOException | UncheckedIOException e) {
                // the process ended meanwhile
            }
        }
        return outside;
    }

    private static Optional<SortedSet<Integer>> allowedCpus(Path task) {
        try {
            return Files.readAllLines(task.resolve("status")).stream().filter(line -> line.startsWith(ALLOWED)).findFirst()
                    .map(line -> cpuSet(line.substring(ALLOWED.length()).trim()));
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty(); // the thread ended meanwhile
        }
    }

    /** The CPUs a list in taskset's and {@code /proc}'s syntax names: {@code 0-2,5} is 0, 1, 2 and 5. */
    static SortedSet<Integer> cpuSet(String list) {
        SortedSet<Integer> cpus = new TreeSet<>();
        for (String part : list.split(",")) {
            String range = part.trim();
            if (range.isEmpty()) {
                continue;
            }
            int dash = range.indexOf('-');
            int first = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
            int last = dash < 0 ? first : Integer.parseInt(range.substring(dash + 1));
            for (int cpu = first; cpu <= last; cpu++) {
                cpus.add(cpu);
            }
        }
        return cpus;
    }
}
