package io.gatehouse.bench;

import io.gatehouse.bench.broker.Broker;
import io.gatehouse.bench.broker.Launchers;
import io.gatehouse.bench.broker.RunningBroker;
import io.gatehouse.bench.os.CpuAffinity;
import io.gatehouse.bench.os.ProcessTree;
import io.gatehouse.bench.report.MachineInfo;
import io.gatehouse.bench.report.Medians;
import io.gatehouse.bench.report.Reports;
import io.gatehouse.bench.report.ResultRow;
import io.gatehouse.bench.scenario.Devices;
import io.gatehouse.bench.scenario.Scenario;
import io.gatehouse.bench.scenario.ScenarioContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Runs every chosen scenario against every chosen broker: for each repeat a fresh broker process on an empty data
 * directory (deleted afterwards), then the medians of the repeats; the report is rewritten after each scenario, so
 * an interrupted run keeps what it measured.
 */
final class Harness {

    private static final List<String> LOG_TROUBLES = List.of("Too many open files", "OutOfMemoryError");
    /** How long a scenario may go on after its broker exited, to end by itself and say why. */
    private static final Duration AFTER_BROKER_EXIT = Duration.ofSeconds(15);

    private final Launchers launchers;
    private final ScenarioContext context;
    private final int repeats;
    private final Duration runBound;
    private final Path outputDir;
    private String runDescription;
    private final List<String> skipped;
    private final MachineInfo machine;
    private final List<ResultRow> results = new ArrayList<>();
    /** The scenarios' order in the report: an earlier report's first (see {@link #keepEarlierRows}). */
    private final List<String> scenarioOrder = new ArrayList<>();

    Harness(Launchers launchers, ScenarioContext context, MachineInfo machine, int repeats, Duration runBound, Path outputDir,
            String runDescription, List<String> skipped) {
        this.machine = machine;
        this.runBound = runBound;
        this.launchers = launchers;
        this.context = context;
        this.repeats = repeats;
        this.outputDir = outputDir;
        this.runDescription = runDescription;
        this.skipped = new ArrayList<>(skipped);
    }

    /**
     * Starts from the rows of the report already in the output directory, minus those this run will measure
     * again; the description then says which scenarios were re-run.
     */
    void keepEarlierRows(List<Scenario> scenarios, List<Broker> brokers) throws IOException {
        Path earlier = outputDir.resolve("latest.json");
        if (!Files.exists(earlier)) {
            return;
        }
        List<String> rerun = scenarios.stream().map(Scenario::id).toList();
        List<String> rerunBrokers = brokers.stream().map(Broker::id).toList();
        for (ResultRow row : Reports.read(earlier)) {
            if (!scenarioOrder.contains(row.scenario())) {
                scenarioOrder.add(row.scenario());
            }
            if (!(rerun.contains(row.scenario()) && rerunBrokers.contains(row.broker()))) {
                results.add(row);
            }
        }
        runDescription = runDescription + "; re-run into an earlier report: " + String.join(", ", rerun)
                + " (the other rows come from the earlier run)";
    }

    List<ResultRow> run(List<Scenario> scenarios, List<Broker> brokers) throws IOException {
        for (Scenario scenario : scenarios) {
            context.log().printf("== %s%n", scenario.id());
            for (Broker broker : brokers) {
                if (scenario.notApplicable(broker).isPresent()) {
                    skipped.add(scenario.id() + " on " + broker.id() + ": " + scenario.notApplicable(broker).get());
                    continue;
                }
                List<ResultRow> runs = new ArrayList<>();
                for (int r = 1; r <= repeats; r++) {
                    context.log().printf("  %s, run %d of %d%n", broker.id(), r, repeats);
                    runs.addAll(runOnce(scenario, broker, r));
                }
                results.addAll(Medians.of(runs, context.scale().quick()));
            }
            Reports.write(outputDir, Reports.inScenarioOrder(results, scenarioOrder), machine, runDescription, skipped);
        }
        return results;
    }

    private List<ResultRow> runOnce(Scenario scenario, Broker broker, int repeat) throws IOException {
        Path dataDir = context.workDir().resolve(broker.id() + "-" + scenario.id() + "-" + repeat);
        deleteTree(dataDir);
        RunningBroker running = null;
        List<ResultRow> rows;
        int devices = scenario.devicesNeeded(context.scale());
        try {
            running = launchers.start(broker, scenario.path(), dataDir, devices, Devices::id);
            rows = runBounded(scenario, running);
            if (!running.processes().isAlive()) {
                List<Path> logs = running.processes().logs();
                rows.forEach(row -> row.note("a broker process died during the run; see " + logs));
            } else {
                noteHowItRan(running, devices, rows);
            }
        } catch (Exception e) {
            context.log().printf("    FAILED: %s%n", e);
            e.printStackTrace(context.log());
            rows = List.of(ResultRow.of(scenario.id(), "failed", broker.id(), launchers.launch().durabilityOf(broker, scenario.path()))
                    .errors(1).note("run failed: " + e.toString().replace('\n', ' ')));
        }
        try {
            // a failed run too: what the broker logged (out of memory, out of files) is usually why
            if (running != null) {
                List<ResultRow> noted = rows;
                running.processes().logs().forEach(log ->
                        brokerLogTroubles(log).forEach(t -> noted.forEach(row -> row.note("broker log: " + t))));
            }
            return rows;
        } finally {
            if (running != null) {
                running.close();
            }
            deleteTree(dataDir);
        }
    }

    /**
     * What the figures of a run cover: the broker's memory at its end (unless the scenario measured its own), what
     * a cluster's rows sum over, and any thread of the broker that was not on the brokers' CPU.
     */
    private void noteHowItRan(RunningBroker running, int devices, List<ResultRow> rows) {
        ProcessTree tree = running.processTree();
        long memory = tree.memoryBytes();
        String cpu = launchers.launch().brokerCpu();
        List<String> outside = cpu == null ? List.of() : CpuAffinity.threadsOutside(tree, cpu);
        for (ResultRow row : rows) {
            if (row.rssBytes() == null) {
                row.rssBytes(memory);
            }
            running.notes(devices).forEach(row::note);
            List<String> ownOptions = launchers.launch().gatehouseJvmOptions();
            if (running.kind().isGatehouse() && !ownOptions.isEmpty()) {
                row.note("Gatehouse's own JVM options: " + String.join(" ", ownOptions));
            }
            if (!outside.isEmpty()) {
                row.note(outside.size() + " broker threads were allowed outside CPU " + cpu + " at the end of the run");
            }
        }
    }

    /**
     * Runs the scenario on a thread of its own for at most the run bound, and for at most {@link #AFTER_BROKER_EXIT}
     * once the broker has exited. A broker stuck past the bound fails the run (the caller stops the broker, which
     * ends the abandoned run's waits), so one stuck peer cannot hold up the whole report for the sum of a
     * scenario's own timeouts.
     */
    private List<ResultRow> runBounded(Scenario scenario, RunningBroker running) throws Exception {
        ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "scenario-" + scenario.id());
            t.setDaemon(true);
            return t;
        });
        try {
            Future<List<ResultRow>> run = runner.submit(() -> scenario.run(running, context));
            return RunWatch.await(run, runBound, running.processes()::isAlive, AFTER_BROKER_EXIT);
        } finally {
            runner.shutdownNow();
        }
    }

    /** Resource exhaustion a broker reported in its log: the reason behind a failed or odd row. */
    static List<String> brokerLogTroubles(Path log) {
        List<String> found = new ArrayList<>();
        try (Stream<String> lines = Files.lines(log)) {
            lines.forEach(line -> {
                for (String marker : LOG_TROUBLES) {
                    if (line.contains(marker) && !found.contains(marker)) {
                        found.add(marker);
                    }
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // no log, or not text: nothing to add
        }
        return found;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
