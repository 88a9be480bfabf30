package io.gatehouse.bench.broker;

import io.gatehouse.bench.os.CpuAffinity;
import io.gatehouse.bench.os.ProcStats;
import io.gatehouse.bench.os.ProcessTree;
import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import io.gatehouse.cluster.testing.KafkaBrokerMain;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The engines the nodes of a cluster broker share, started as the cluster tests start them: one Kafka node in
 * KRaft mode ({@link EmbeddedKafka}, a child JVM on the harness's class path) and a PostgreSQL server
 * ({@link EmbeddedPostgres}, with fsync on, as production runs it), each on ephemeral loopback ports in a
 * temporary directory. Both inherit the harness's CPU when they start, so they are moved to the brokers' CPU,
 * and the postmaster before its backends: the backends the nodes' connections fork later inherit it.
 */
final class KafkaAndPostgres implements AutoCloseable {

    /** The PostgreSQL settings that make a commit wait for the disk: the C2D path's D1 label rests on them. */
    private static final Map<String, String> DURABLE_COMMIT = Map.of("fsync", "on", "synchronous_commit", "on");

    private final EmbeddedKafka kafka;
    private final EmbeddedPostgres postgres;
    private final long kafkaPid;
    private final long postmasterPid;
    private final String postgresSettings;
    /** PostgreSQL would outlive a harness stopped by Ctrl-C or SIGTERM (Kafka stops when its input closes). */
    private final Runnable closeOnExit = this::close;

    private KafkaAndPostgres(EmbeddedKafka kafka, EmbeddedPostgres postgres, long kafkaPid, long postmasterPid,
                             String postgresSettings) {
        this.kafka = kafka;
        this.postgres = postgres;
        this.kafkaPid = kafkaPid;
        this.postmasterPid = postmasterPid;
        this.postgresSettings = postgresSettings;
    }

    /** Starts both and moves them to {@code brokerCpu} (null: no pinning); fails if PostgreSQL's commits would not be synced. */
    static KafkaAndPostgres start(String brokerCpu) throws IOException {
        String unavailable = EmbeddedPostgres.unavailableReason().orElse(null);
        if (unavailable != null) {
            throw new IOException("PostgreSQL cannot be started here: " + unavailable);
        }
        EmbeddedKafka kafka = null;
        EmbeddedPostgres postgres = null;
        try {
            Set<Long> before = childPids();
            kafka = EmbeddedKafka.start();
            long kafkaPid = newChild(before, "the Kafka JVM", command -> command.contains(KafkaBrokerMain.class.getName()));
            before = childPids();
            postgres = EmbeddedPostgres.start(true);
            long postmasterPid = newChild(before, "the postmaster", command -> !command.isEmpty() && command.get(0).endsWith("/postgres"));
            if (brokerCpu != null) {
                CpuAffinity.pin(ProcessTree.of(List.of(kafkaPid, postmasterPid)), brokerCpu);
            }
            KafkaAndPostgres engines = new KafkaAndPostgres(kafka, postgres, kafkaPid, postmasterPid, durableCommitSettings(postgres));
            StopOnExit.add(engines.closeOnExit);
            return engines;
        } catch (IOException | SQLException | InterruptedException | RuntimeException e) {
            if (postgres != null) {
                postgres.close();
            }
            if (kafka != null) {
                kafka.close();
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof IOException io ? io : new IOException("the cluster's engines did not start: " + e, e);
        }
    }

    String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    String jdbcUrl() {
        return postgres.url();
    }

    String jdbcUser() {
        return EmbeddedPostgres.USER;
    }

    /** The Kafka JVM and the postmaster (whose backends and workers are its descendants). */
    List<Long> pids() {
        return List.of(kafkaPid, postmasterPid);
    }

    String describe() {
        return "one Kafka broker (KRaft, no log.flush: acknowledged from the page cache) and PostgreSQL (" + postgresSettings + ")";
    }

    /** PostgreSQL first: the nodes are stopped already, and Kafka stops when its input closes. */
    @Override
    public void close() {
        StopOnExit.remove(closeOnExit);
        try {
            postgres.close();
        } finally {
            kafka.close();
        }
    }

    /** Reads the commit settings from the running server, and refuses one that would acknowledge before the disk has the commit. */
    private static String durableCommitSettings(EmbeddedPostgres postgres) throws SQLException {
        Map<String, String> settings = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(postgres.url(), EmbeddedPostgres.USER, "");
             Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT name, setting FROM pg_settings"
                     + " WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes')")) {
            while (rows.next()) {
                settings.put(rows.getString(1), rows.getString(2));
            }
        }
        DURABLE_COMMIT.forEach((name, wanted) -> {
            if (!wanted.equals(settings.get(name))) {
                throw new IllegalStateException("PostgreSQL runs with " + name + "=" + settings.get(name)
                        + ": its commits are not synced, so the C2D path would not be D1");
            }
        });
        return settings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }

    private static Set<Long> childPids() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /**
     * The one child of the harness that appeared since {@code before} and whose command line matches: the helpers keep their
     * processes to themselves, and the harness starts nothing else while a broker starts.
     */
    private static long newChild(Set<Long> before, String what, Predicate<List<String>> commandMatches) {
        List<ProcessHandle> found = ProcessHandle.current().children().filter(h -> !before.contains(h.pid()))
                .filter(h -> commandMatches.test(ProcStats.commandLine(h.pid()))).toList();
        if (found.size() != 1) {
            throw new IllegalStateException("expected one new child process for " + what + ", found " + found.size());
        }
        return found.get(0).pid();
    }
}
