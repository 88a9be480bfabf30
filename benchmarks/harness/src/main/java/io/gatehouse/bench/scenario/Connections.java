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
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 6: idle device connections at rising counts on one broker: MQTT ({@code connections}: 5,000, 10,000,
 * 19,000 by default) or AMQP ({@code amqp-connections}, Gatehouse only: 1,000, 5,000, 10,000, each device signed
 * in with SASL PLAIN and holding a C2D receiver, as the Azure SDKs' AMQP transport does). The load is spread over
 * child processes (at most 4,750 connections each, under the 20,000 open files a process may have; 2,000 for
 * AMQP, whose client runs a thread per connection), each from its own source address 127.0.0.x. At each level: the
 * broker's RSS and (for JVM brokers, after a full GC) heap growth per connection over the idle broker, and the
 * connect rate of that level's new connections.
 */
public final class Connections implements Scenario {

    private static final int WARM_UP_CONNECTIONS = 500;
    private static final int AMQP_CONNECTIONS_PER_PROCESS = 2_000;

    /** How the devices connect. */
    public enum Protocol { MQTT, AMQP }

    private final Protocol protocol;

    public Connections(Protocol protocol) {
        this.protocol = protocol;
    }

    @Override
    public String id() {
        return protocol == Protocol.MQTT ? "connections" : "amqp-connections";
    }

    /**
     * Connections cost what they cost on the node holding them, which the single-node row measures: the holder
     * processes dial one port, and spreading them over a cluster's nodes is not built.
     */
    @Override
    public Optional<String> notApplicable(Broker broker) {
        if (protocol == Protocol.AMQP && !broker.isGatehouse()) {
            return Optional.of("AMQP device connections sign in as IoT Hub devices (SASL PLAIN with a SAS token): Gatehouse only");
        }
        return broker.isCluster() ? Optional.of("idle connections are a per-node figure (see gatehouse); the holder processes"
                + " dial one node, and heap per connection needs a single JVM") : Optional.empty();
    }

    @Override
    public int devicesNeeded(Scale scale) {
        return Collections.max(levels(scale));
    }

    private List<Integer> levels(Scale scale) {
        return protocol == Protocol.MQTT ? scale.connectionLevels() : scale.amqpConnectionLevels();
    }

    @Override
    public List<ResultRow> run(RunningBroker broker, ScenarioContext ctx) throws Exception {
        Scale s = ctx.scale();
        long pid = broker.processTree().roots().get(0); // one process: the cluster brokers do not run this scenario
        boolean jvm = broker.kind().isJvm();
        warmUp(broker, ctx, Math.min(WARM_UP_CONNECTIONS, levels(s).get(0)));
        Baseline base = Baseline.take(pid, jvm);
        List<Process> holders = new ArrayList<>();
        List<ResultRow> rows = new ArrayList<>();
        int connected = 0;
        try {
            int perProcess = protocol == Protocol.MQTT ? s.connectionsPerProcess()
                    : Math.min(s.connectionsPerProcess(), AMQP_CONNECTIONS_PER_PROCESS);
            for (int level : levels(s)) {
                int need = level - connected;
                int processes = (need + perProcess - 1) / perProcess;
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
                ResultRow row = ctx.row(id(), level + " idle " + (protocol == Protocol.AMQP ? "AMQP " : "") + "connections", broker)
                        .connections(level);
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
    private void warmUp(RunningBroker broker, ScenarioContext ctx, int devices) throws Exception {
        if (protocol == Protocol.AMQP) {
            Process holder = startHolder(broker, ctx, "127.0.0.9", 0, devices);
            String line = firstLine(holder);
            holder.getOutputStream().close();
            if (!holder.waitFor(60, TimeUnit.SECONDS)) {
                holder.destroyForcibly();
            }
            if (line == null || !line.startsWith("CONNECTED ")) {
                throw new IllegalStateException("AMQP warm-up failed: " + line);
            }
            return;
        }
        MqttFleet.Options options = new MqttFleet.Options(broker.host(), broker.mqtt(), broker.dialect(), true, 60, null, null);
        MqttFleet.connect(Devices.ids(0, devices), options, 100, Duration.ofMinutes(5)).close();
    }

    private Process startHolder(RunningBroker broker, ScenarioContext ctx, String source, int first, int count) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (ctx.loadGeneratorCpu() != null) {
            cmd.addAll(List.of("taskset", "-c", ctx.loadGeneratorCpu()));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        int port = protocol == Protocol.MQTT ? broker.mqttPort() : broker.amqpPort();
        cmd.addAll(List.of("-Xmx1g", "-XX:+UseG1GC", "-cp", ctx.harnessClassPath(), ConnectionHolderMain.class.getName(),
                protocol.name().toLowerCase(Locale.ROOT), broker.host(), Integer.toString(port), source,
                Integer.toString(first), Integer.toString(count)));
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
