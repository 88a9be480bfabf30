package io.gatehouse.bench.broker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What every broker launch shares: the CPU it is pinned to, the JVM settings, free ports; Gatehouse's store and sync
 * policy, and JVM options for Gatehouse alone (after the shared ones, so they win where both set one).
 */
public record Launch(String brokerCpu, List<String> jvmOptions, Path repoRoot, String gatehouseStore, String gatehouseSync,
                     List<String> gatehouseJvmOptions) {

    public Launch(String brokerCpu, List<String> jvmOptions, Path repoRoot, String gatehouseStore, String gatehouseSync) {
        this(brokerCpu, jvmOptions, repoRoot, gatehouseStore, gatehouseSync, List.of());
    }

    /** Gatehouse with {@code --store memory} or {@code --sync never} is not durable (the cluster brokers ignore both). */
    public String durabilityOf(Broker broker, MessagePath path) {
        return broker == Broker.GATEHOUSE && journalNotDurable() ? "D0" : broker.durability(path);
    }

    /** What the harness prints for a broker: its label, or D0 for a journal made not durable by the flags. */
    public String durabilityLabelOf(Broker broker) {
        return broker == Broker.GATEHOUSE && journalNotDurable() ? "D0" : broker.durabilityLabel();
    }

    private boolean journalNotDurable() {
        return !"journal".equals(gatehouseStore) || "never".equals(gatehouseSync);
    }

    /** The command prefix that pins a process to the broker's CPU ({@code taskset -c N}), if pinning is on. */
    public List<String> pinned(List<String> command) {
        List<String> full = new ArrayList<>();
        if (brokerCpu != null) {
            full.add("taskset");
            full.add("-c");
            full.add(brokerCpu);
        }
        full.addAll(command);
        return full;
    }

    /** A {@code java} command line with the shared JVM settings, pinned to the brokers' CPU. */
    public List<String> java(String classPath, String mainClass, List<String> args) {
        return java(List.of(), classPath, mainClass, args);
    }

    /**
     * As {@link #java(String, String, List)}, with {@code ownOptions} of this JVM after the common ones: the JVM takes
     * the last of an option given twice ({@code -Xmx}), so they win.
     */
    public List<String> java(List<String> ownOptions, String classPath, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // out of heap, a broker ends its run at once, as Gatehouse's launcher and image have it do, rather than
        // thrash in collections until the scenario's timeouts (Artemis with the offline backlog did, for the whole run bound)
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.addAll(jvmOptions);
        cmd.addAll(ownOptions);
        if (classPath != null) {
            cmd.add("-cp");
            cmd.add(classPath);
        }
        cmd.addAll(mainClass.startsWith("-jar ") ? List.of("-jar", mainClass.substring(5)) : List.of(mainClass));
        cmd.addAll(args);
        return pinned(cmd);
    }

    /** A currently free loopback port (the broker binds it right after; a collision fails the start loudly). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** The class path of one of the benchmark modules: its classes plus its resolved runtime dependencies. */
    public String moduleClassPath(String module) throws IOException {
        Path dir = repoRoot.resolve("benchmarks").resolve(module).resolve("target");
        Path cpFile = dir.resolve("runtime-classpath.txt");
        if (!Files.exists(cpFile)) {
            throw new IOException(cpFile + " is missing: build with ./gatehouse-bench (or mvn -Pbenchmarks package)");
        }
        return dir.resolve("classes") + java.io.File.pathSeparator + Files.readString(cpFile).trim();
    }
}
