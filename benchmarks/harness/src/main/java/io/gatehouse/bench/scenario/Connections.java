package io.gatehouse.bench.scenario;

import io.gatehouse.bench.broker.Broker;
import io.gatehouse.bench.broker.GatehouseDialect;
import io.gatehouse.bench.broker.Launchers;
import io.gatehouse.bench.broker.RunningBroker;
import io.gatehouse.bench.load.MqttFleet;
import io.gatehouse.bench.os.ProcStats;
import io.gatehouse.bench.report.ResultRow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 6: idle MQTT connections at rising counts (5,000, 10,000, 19,000 by default) on one broker. The load is
 * spread over child processes of at most 4,750 connections each (under the 20,000 open files a process may have),
 * each from its own source address 127.0.0.x. At each level: the broker's RSS and (for JVM brokers, after a full
 * GC) heap growth per connection over the idle broker, and the connect rate of that level's new connections.
 */
public final class Connections implements Scenario {

    private static final int WARM_UP_CONNECTIONS = 500;

    @Override
    public String id() {
        return "connections";
    }

    /**
     * Connections cost what they cost on the node holding them, which the single-node row measures: the holder
     * processes dial one port, and spreading them over a cluster's nodes is not built.
     */
    @Override
    public Optional<String> notApplicable(Broker broker) {
        return broker.isCluster() ? Optional.of("idle connections are a per-node figure (see gatehouse); the holder processes"
                + " dial one node, and heap per connection needs a single JVM") : Optional.empty();
    }

    @Override
    public int devicesNeeded(Scale scale) {
        return Collections.max(scale.connectionLevels());
    }

    @Override
    public List<ResultRow> run(RunningBroker broker, ScenarioContext ctx) throws Exception {
        Scale s = ctx.scale();
        long pid = broker.processTree().roots().get(0); // one process: the cluster brokers do not run this scenario
        boolean jvm = broker.kind().isJvm();
        warmUp(broker, Math.min(WARM_UP_CONNECTIONS, s.connectionLevels().get(0)));
        Baseline base = Baseline.take(pid, jvm);
        List<Process> holders = new ArrayList<>();
        List<ResultRow> rows = new ArrayList<>();
        int connected = 0;
        try {
            for (int level : s.connectionLevels()) {
                int need = level - connected;
                int processes = (need + s.connectionsPerProcess() - 1) / s.connectionsPerProcess();
                List<Process> started = new ArrayList<>();
                for (int p = 0; p < processes; p++) {
                    int count = need / processes + (p < need % processes ? 1 : 0);
                    int first = connected + p * (need / processes) + Math.min(p, need % processes);
                    String source = "127.0.0." + (10 + holders.size() + started.size());
                    started.add(startHolder(broker, ctx, source, first, count));
                }
                holders.addAll(started);
                long slowestNanos = 0;
                String failure = null;
                for (Process p : started) {
                    String line = firstLine(p);
                    if (line != null && line.startsWith("CONNECTED ")) {
                        slowestNanos = Math.max(slowestNanos, Long.parseLong(line.split(" ")[2]));
                    } else if (failure == null) {
                        failure = line == null ? "a load-generator process ended without a word" : line;
                    }
                }
                ResultRow row = ctx.row(id(), level + " idle connections", broker).connections(level);
                if (failure != null) {
                    rows.add(row.errors(1).note("connecting failed: " + failure));
                    ctx.progress("%s: %d connections FAILED: %s", broker.kind().id(), level, failure);
                    break;
                }
                connected = level;
                Baseline now = Baseline.take(pid, jvm);
                row.connectsPerSec(need / (slowestNanos / 1e9))
                        .bytesPerConnection((double) (now.rss - base.rss) / level)
                        .rssBytes(now.rss);
                if (now.heap.isPresent() && base.heap.isPresent()) {
                    row.heapBytesPerConnection((double) (now.heap.getAsLong() - base.heap.getAsLong()) / level);
                }
                row.note("connect rate over " + processes + " concurrent load-generator processes");
                rows.add(row);
                ctx.progress("%s: %d connections, %.0f B RSS each%s, %.0f connects/s", broker.kind().id(), level,
                        row.bytesPerConnection(), row.heapBytesPerConnection() == null ? ""
                                : String.format(", %.0f B heap each", row.heapBytesPerConnection()), row.connectsPerSec());
            }
        } finally {
            for (Process p : holders) {
                p.getOutputStream().close();
            }
            for (Process p : holders) {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
        return rows;
    }

    /** Connects and disconnects a few devices first, so the broker's connection path is compiled before it is timed. */
    private static void warmUp(RunningBroker broker, int devices) throws Exception {
        MqttFleet.Options options = new MqttFleet.Options(broker.host(), broker.mqtt(), broker.dialect(), true, 60, null, null);
        MqttFleet.connect(Devices.ids(0, devices), options, 100, Duration.ofMinutes(5)).close();
    }

    private static Process startHolder(RunningBroker broker, ScenarioContext ctx, String source, int first, int count) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (ctx.loadGeneratorCpu() != null) {
            cmd.addAll(List.of("taskset", "-c", ctx.loadGeneratorCpu()));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx1g", "-XX:+UseG1GC", "-cp", ctx.harnessClassPath(), ConnectionHolderMain.class.getName(),
                broker.host(), Integer.toString(broker.mqttPort()), source, Integer.toString(first), Integer.toString(count)));
        if (broker.dialect() instanceof GatehouseDialect g) {
            cmd.add(g.hostName());
            cmd.add(Launchers.deviceKey());
        }
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static String firstLine(Process p) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith("CONNECTED ") || line.startsWith("FAILED ")) {
                return line;
            }
        }
        return null;
    }

    /** The broker's memory at one moment: RSS, and heap in use after a full GC for a JVM. */
    private record Baseline(long rss, OptionalLong heap) {
        static Baseline take(long pid, boolean jvm) throws InterruptedException {
            // let connection set-up garbage and buffers settle before measuring
            TimeUnit.SECONDS.sleep(2);
            OptionalLong heap = OptionalLong.empty();
            if (jvm) {
                ProcStats.fullGc(pid);
                heap = ProcStats.heapUsedBytes(pid);
            }
            return new Baseline(ProcStats.rssBytes(pid), heap);
        }
    }
}
