package io.gatehouse.cluster.testing;

import java.io.IOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;

/**
 * One Kafka node in KRaft mode (broker and controller in one), from the Maven artifacts on the test class
 * path, in a child JVM on ephemeral ports with a temporary log directory. A child keeps the broker's threads,
 * heap and Scala runtime out of the test JVM, and ends with it (see {@link KafkaBrokerMain}).
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final Path directory;
    private final String bootstrapServers;
    private final String clusterId = Uuid.randomUuid().toString();
    private Process process;

    private EmbeddedKafka(Path directory, String bootstrapServers) {
        this.directory = directory;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Starts a node and returns once it serves clients.
     *
     * @throws IllegalStateException when it does not start within {@link #START_TIMEOUT}, with the reason
     */
    public static EmbeddedKafka start() throws IOException, InterruptedException {
        Path directory = Files.createTempDirectory("gatehouse-kafka");
        int brokerPort = freePort();
        int controllerPort = freePort();
        writeConfig(directory.resolve("server.properties"), directory.resolve("logs"), brokerPort, controllerPort);
        EmbeddedKafka kafka = new EmbeddedKafka(directory, "127.0.0.1:" + brokerPort);
        kafka.launch();
        return kafka;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Stops the node, keeping its files (for outage tests); {@link #restart} brings it back. */
    public void stop() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            process.destroyForcibly();
        }
        ChildProcesses.awaitExit(process, STOP_TIMEOUT);
    }

    /** Starts the stopped node again, on the same ports with the same data; returns once it serves clients. */
    public void restart() throws IOException, InterruptedException {
        launch();
    }

    /** Stops the node (closing its input stops it cleanly; a node that hangs is killed) and deletes its files. */
    @Override
    public void close() {
        stop();
        TempFiles.deleteTree(directory);
    }

    private void launch() throws IOException, InterruptedException {
        Path log = directory.resolve("broker.log");
        process = new ProcessBuilder(List.of(javaExecutable(), "-Xmx512m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Dlogback.configurationFile=kafka-logback.xml",
                "-cp", testClassPath(), KafkaBrokerMain.class.getName(), directory.resolve("server.properties").toString(), clusterId))
                .redirectErrorStream(true).start();
        CompletableFuture<Void> ready = ChildProcesses.watch(process, log, line -> line.equals(KafkaBrokerMain.READY));
        ChildProcesses.awaitReady("Kafka", ready, START_TIMEOUT, log, this);
    }

    private static void writeConfig(Path file, Path logDir, int brokerPort, int controllerPort) throws IOException {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", logDir.toString());
        p.setProperty("auto.create.topics.enable", "false");
        // one node: every internal topic has a single replica
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "2");
        p.setProperty("background.threads", "2");
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(out, "EmbeddedKafka");
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String javaExecutable() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Surefire runs tests from a manifest-only jar; it names the real class path in this property. */
    private static String testClassPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }
}
