package io.gatehouse.bench;

import io.gatehouse.bench.broker.Broker;
import io.gatehouse.bench.broker.Launch;
import io.gatehouse.bench.broker.Launchers;
import io.gatehouse.bench.broker.Mosquitto;
import io.gatehouse.bench.os.MachineFloor;
import io.gatehouse.bench.report.MachineInfo;
import io.gatehouse.bench.scenario.AmqpTransfer;
import io.gatehouse.bench.scenario.C2dEndToEnd;
import io.gatehouse.bench.scenario.Connections;
import io.gatehouse.bench.scenario.D2cCapacity;
import io.gatehouse.bench.scenario.D2cEndToEnd;
import io.gatehouse.bench.scenario.LatencyFloor;
import io.gatehouse.bench.scenario.OfflineBacklog;
import io.gatehouse.bench.scenario.Scale;
import io.gatehouse.bench.scenario.Scenario;
import io.gatehouse.bench.scenario.ScenarioContext;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./gatehouse-bench}: Gatehouse side by side with the brokers a user would pick instead. */
@Command(name = "gatehouse-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the benchmark scenarios against Gatehouse and peer brokers, each started here in its own process,",
                "and writes latest.json and latest.md. Brokers run pinned to one CPU, the load generator to another."},
        footer = {"", "Scenarios: latency-floor, d2c-capacity, d2c-e2e, c2d-e2e, amqp-transfer, offline-backlog, connections.",
                "Brokers:   gatehouse, artemis, moquette, hivemq-ce, mosquitto (skipped unless installed),",
                "           gatehouse-cluster-1, gatehouse-cluster-3 (gateway nodes on one Kafka and one PostgreSQL;",
                "           skipped unless PostgreSQL is installed)."})
public final class GatehouseBench implements Callable<Integer> {

    private static final List<Scenario> SCENARIOS = List.of(new LatencyFloor(), new D2cCapacity(), new D2cEndToEnd(), new C2dEndToEnd(),
            new AmqpTransfer(), new OfflineBacklog(), new Connections(Connections.Protocol.MQTT),
            new Connections(Connections.Protocol.AMQP));

    @Option(names = "--scenarios", split = ",", paramLabel = "ID", description = "Scenarios to run (default: all).")
    List<String> scenarios;

    @Option(names = "--brokers", split = ",", paramLabel = "ID", description = "Brokers to run (default: all).")
    List<String> brokers;

    @Option(names = "--quick", description = "Smoke mode: every scenario tiny and fast, one repeat. Not for figures.")
    boolean quick;

    @Option(names = "--update", description = "Keep the rows of the existing latest.json for the scenarios and brokers "
            + "not run now (to re-run one scenario without redoing the rest).")
    boolean update;

    @Option(names = "--repeats", paramLabel = "N", description = "Runs per scenario and broker; medians are reported (default 3, quick 1).")
    Integer repeats;

    @Option(names = "--step-seconds", paramLabel = "S", description = "Length of a rate step or measured phase (default 10, quick 1).")
    Integer stepSeconds;

    @Option(names = "--warm-up-seconds", paramLabel = "S",
            description = "Length of every scenario's warm-up before it measures (default 15-20, C2D 60; quick 0.5).")
    Integer warmUpSeconds;

    @Option(names = "--run-minutes", paramLabel = "M", defaultValue = "15",
            description = "Longest one run of a scenario on one broker may take; a run past it fails and its broker is stopped (default 15).")
    int runMinutes;

    @Option(names = "--rates", split = ",", paramLabel = "MSGS", description = "The d2c-capacity rate ladder, msgs/s.")
    List<Integer> rates;

    @Option(names = "--connection-levels", split = ",", paramLabel = "N", description = "Idle connection counts (default 5000,10000,19000).")
    List<Integer> connectionLevels;

    @Option(names = "--amqp-connection-levels", split = ",", paramLabel = "N",
            description = "Idle AMQP device connection counts of amqp-connections (default 1000,5000,10000).")
    List<Integer> amqpConnectionLevels;

    @Option(names = "--backlog-devices", paramLabel = "N", description = "Offline devices in offline-backlog (default 10000).")
    Integer backlogDevices;

    @Option(names = "--out", paramLabel = "DIR", description = "Where latest.json and latest.md go (default bench/results, quick: bench/results/smoke).")
    Path out;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Brokers' data directories, deleted after each run (default bench/work).")
    Path workDir;

    @Option(names = "--broker-cpu", paramLabel = "CPU", defaultValue = "0", description = "CPU the brokers are pinned to (default 0; 'none' = no pinning).")
    String brokerCpu;

    @Option(names = "--load-cpu", paramLabel = "CPU", defaultValue = "1", description = "CPU of the load generator's child processes (default 1; 'none').")
    String loadCpu;

    @Option(names = "--broker-jvm-opts", paramLabel = "OPTS", defaultValue = "-Xms1g -Xmx1g -XX:+UseG1GC",
            description = "JVM options of every JVM broker (default: ${DEFAULT-VALUE}).")
    String brokerJvmOpts;

    @Option(names = "--gatehouse-jvm-opts", paramLabel = "OPTS", defaultValue = "",
            description = "JVM options of Gatehouse alone, after --broker-jvm-opts (so -Xmx here wins); the report states them.")
    String gatehouseJvmOpts;

    @Option(names = "--gatehouse-store", paramLabel = "TYPE", defaultValue = "journal",
            description = "Gatehouse's store: journal (durable, D1; the default) or memory (NOT durable, labelled D0; only to try the harness).")
    String gatehouseStore;

    @Option(names = "--gatehouse-sync", paramLabel = "POLICY", defaultValue = "batch",
            description = "Gatehouse's journal sync policy: batch (default), batch(<n>us|ms), always, or never (NOT durable, labelled D0).")
    String gatehouseSync;

    @Option(names = "--d2c-generator", paramLabel = "GEN", defaultValue = "raw",
            description = "Load generator of d2c-capacity: raw (lean, default: the HiveMQ client would cap the rate on one core) or hivemq.")
    String d2cGenerator;

    @Option(names = "--install-mosquitto", description = "apt-get install -y mosquitto if it is missing.")
    boolean installMosquitto;

    @Option(names = "--repo", paramLabel = "DIR", defaultValue = ".", hidden = true, description = "The repository root.")
    Path repo;

    public static void main(String[] args) {
        System.exit(new CommandLine(new GatehouseBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path root = repo.toAbsolutePath().normalize();
        Scale scale = quick ? Scale.smoke() : Scale.full();
        if (warmUpSeconds != null) {
            scale = scale.withWarmUp(Duration.ofSeconds(warmUpSeconds));
        }
        if (stepSeconds != null) {
            scale = scale.withStep(Duration.ofSeconds(stepSeconds));
        }
        if (rates != null) {
            scale = scale.withRates(rates);
        }
        if (connectionLevels != null) {
            scale = scale.withConnectionLevels(connectionLevels.stream().sorted().toList());
        }
        if (amqpConnectionLevels != null) {
            scale = scale.withAmqpConnectionLevels(amqpConnectionLevels.stream().sorted().toList());
        }
        if (backlogDevices != null) {
            scale = scale.withBacklogDevices(backlogDevices);
        }
        int runs = repeats != null ? repeats : quick ? 1 : 3;
        List<Scenario> chosenScenarios = scenarios == null ? SCENARIOS
                : scenarios.stream().map(GatehouseBench::scenario).toList();
        List<Broker> chosenBrokers = new ArrayList<>(brokers == null ? Arrays.asList(Broker.values())
                : brokers.stream().map(Broker::byId).toList());
        List<String> skipped = new ArrayList<>();
        if (chosenBrokers.contains(Broker.MOSQUITTO) && Mosquitto.executable().isEmpty()) {
            if (installMosquitto && Mosquitto.install()) {
                System.out.println("mosquitto installed");
            } else {
                chosenBrokers.remove(Broker.MOSQUITTO);
                skipped.add("mosquitto: not installed (pass --install-mosquitto to apt-get install it)");
            }
        }
        Optional<String> noPostgres = EmbeddedPostgres.unavailableReason();
        if (noPostgres.isPresent()) {
            for (Broker cluster : List.copyOf(chosenBrokers)) {
                if (cluster.isCluster()) {
                    chosenBrokers.remove(cluster);
                    skipped.add(cluster.id() + ": " + noPostgres.get());
                }
            }
        }
        String broker = "none".equals(brokerCpu) ? null : brokerCpu;
        String load = "none".equals(loadCpu) ? null : loadCpu;
        Path work = (workDir != null ? workDir : root.resolve("bench/work")).toAbsolutePath();
        Files.createDirectories(work);
        Path output = out != null ? out : root.resolve(quick ? "bench/results/smoke" : "bench/results");
        Launch launch = new Launch(broker, options(brokerJvmOpts), root, gatehouseStore, gatehouseSync, options(gatehouseJvmOpts));
        if (!"raw".equals(d2cGenerator) && !"hivemq".equals(d2cGenerator)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--d2c-generator must be raw or hivemq");
        }
        ScenarioContext context = new ScenarioContext(scale, work, load, System.getProperty("java.class.path"),
                d2cGenerator, System.out);
        if (!"journal".equals(gatehouseStore) && !"memory".equals(gatehouseStore)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--gatehouse-store must be journal or memory");
        }
        String description = (quick ? "quick smoke run" : "full run") + ", " + runs + " repeat(s), medians; brokers pinned to CPU "
                + (broker == null ? "(none)" : broker) + ", load generator to CPU " + (load == null ? "(none)" : load)
                + "; JVM brokers: " + brokerJvmOpts + (gatehouseJvmOpts.isBlank() ? "" : "; Gatehouse also: " + gatehouseJvmOpts.trim())
                + "; all traffic plain TCP on loopback" + ("journal".equals(gatehouseStore) ? "" : "; Gatehouse with --store " + gatehouseStore + " (NOT durable)")
                + ("batch".equals(gatehouseSync) ? "" : "; Gatehouse with --sync " + gatehouseSync);
        System.out.println("gatehouse-bench: " + description);
        for (Broker b : chosenBrokers) {
            System.out.println("  " + b.id() + " [" + launch.durabilityLabelOf(b) + "]: " + b.description()
                    + (launch.durabilityLabelOf(b).equals(b.durabilityLabel()) ? "" : " -- but with --gatehouse-store " + gatehouseStore + " --gatehouse-sync " + gatehouseSync));
        }
        String floor = MachineFloor.describeOrExplain(launch, context.harnessClassPath(), work);
        System.out.println("  machine floor: " + floor);
        Harness harness = new Harness(new Launchers(launch), context, MachineInfo.describe().withFloor(floor), runs,
                Duration.ofMinutes(runMinutes), output, description, skipped);
        if (update) {
            harness.keepEarlierRows(chosenScenarios, chosenBrokers);
        }
        harness.run(chosenScenarios, chosenBrokers);
        System.out.println("Results: " + output.resolve("latest.md") + " and " + output.resolve("latest.json"));
        return 0;
    }

    /** JVM options as given on the command line, split at spaces; none for a blank string. */
    private static List<String> options(String line) {
        return line.isBlank() ? List.of() : Arrays.asList(line.trim().split("\\s+"));
    }

    private static Scenario scenario(String id) {
        return SCENARIOS.stream().filter(s -> s.id().equals(id.trim())).findFirst()
                .orElseThrow(() -> new CommandLine.ParameterException(new CommandLine(new GatehouseBench()),
                        "unknown scenario '" + id + "'"));
    }
}
