package io.gatehouse.bench.broker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.IntFunction;

/** Starts each kind of broker in its own process, fresh, on a data directory of its own. */
public final class Launchers {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    /** Every Gatehouse device gets this key, so the load generator can compute its SAS tokens. */
    static final String DEVICE_KEY = Base64.getEncoder().encodeToString(
            "gatehouse-bench-device-key-0001!".getBytes(StandardCharsets.US_ASCII));

    private final Launch launch;

    /** The key every declared Gatehouse device has (load-generator child processes compute tokens from it). */
    public static String deviceKey() {
        return DEVICE_KEY;
    }

    public Launchers(Launch launch) {
        this.launch = launch;
    }

    public Launch launch() {
        return launch;
    }

    /**
     * Starts {@code broker} on an empty {@code dataDir} for a scenario whose messages take {@code path} (which sets
     * the run's durability label). Gatehouse needs its devices declared: {@code deviceIds} names the first
     * {@code devices} of them (peers accept any client id).
     */
    public RunningBroker start(Broker broker, MessagePath path, Path dataDir, int devices, IntFunction<String> deviceIds)
            throws IOException {
        Files.createDirectories(dataDir);
        switch (broker) {
            case GATEHOUSE:
                return gatehouse(path, dataDir, devices, deviceIds);
            case GATEHOUSE_CLUSTER_1:
            case GATEHOUSE_CLUSTER_3:
                return GatehouseCluster.start(broker, path, launch, dataDir, devices, deviceIds, START_TIMEOUT);
            case ARTEMIS: {
                int mqtt = Launch.freePort();
                int amqp = Launch.freePort();
                return peer(broker, "peer-artemis", "io.gatehouse.bench.peers.ArtemisMain",
                        List.of("--mqtt-port", "" + mqtt, "--amqp-port", "" + amqp, "--data", dataDir.toString()), dataDir, mqtt, amqp);
            }
            case MOQUETTE: {
                int mqtt = Launch.freePort();
                return peer(broker, "peer-moquette", "io.gatehouse.bench.peers.MoquetteMain",
                        List.of("--port", "" + mqtt, "--data", dataDir.toString()), dataDir, mqtt, -1);
            }
            case HIVEMQ_CE: {
                int mqtt = Launch.freePort();
                return peer(broker, "peer-hivemq", "io.gatehouse.bench.peers.HiveMqMain",
                        List.of("--port", "" + mqtt, "--data", dataDir.toString()), dataDir, mqtt, -1);
            }
            case MOSQUITTO:
                return mosquitto(dataDir);
            default:
                throw new IllegalArgumentException(broker.id());
        }
    }

    private RunningBroker peer(Broker broker, String module, String mainClass, List<String> args, Path dataDir,
                               int mqttPort, int amqpPort) throws IOException {
        List<String> cmd = launch.java(launch.moduleClassPath(module), mainClass, args);
        BrokerProcess p = BrokerProcess.start(broker.id(), cmd, dataDir, logOf(dataDir), line -> line.contains("PEER READY"), START_TIMEOUT);
        return new RunningBroker(broker, broker.durabilityLabel(), BrokerProcesses.of(p), "127.0.0.1", MqttNodes.one(mqttPort),
                amqpPort, new PeerDialect(), dataDir);
    }

    private RunningBroker gatehouse(MessagePath path, Path dataDir, int devices, IntFunction<String> deviceIds) throws IOException {
        GatehouseNode node = GatehouseNode.start(launch, "gatehouse", dataDir, logOf(dataDir), GatehouseNode.devicesYaml(devices, deviceIds),
                List.of("--store", launch.gatehouseStore(), "--sync", launch.gatehouseSync()), START_TIMEOUT);
        // trust the gateway's own banner over the flags: its store line says "(durable)" only for a synced journal
        String durability = node.storeLine().contains("(durable)") ? "D1" : "D0";
        if (!durability.equals(launch.durabilityOf(Broker.GATEHOUSE, path))) {
            node.process().close();
            throw new IOException("Gatehouse reports '" + node.storeLine() + "', not the durability asked for");
        }
        return new RunningBroker(Broker.GATEHOUSE, durability, BrokerProcesses.of(node.process()), "127.0.0.1",
                MqttNodes.one(node.port("mqtt-plain")), node.port("amqp-plain"), node.dialect(), dataDir);
    }

    /** A broker's output goes beside its data directory, which is deleted after the run: the log stays. */
    private static Path logOf(Path dataDir) {
        return dataDir.resolveSibling(dataDir.getFileName() + ".log");
    }

    private RunningBroker mosquitto(Path dataDir) throws IOException {
        String exe = Mosquitto.executable().orElseThrow(() -> new IOException("mosquitto is not installed"));
        int port = Launch.freePort();
        Path conf = dataDir.resolve("mosquitto.conf");
        // set_tcp_nodelay: the JVM brokers all disable Nagle; without it Mosquitto's acknowledgements could wait
        Files.writeString(conf, String.join("\n",
                "listener " + port + " 127.0.0.1",
                "allow_anonymous true",
                "persistence false",
                "max_queued_messages 1000000",
                "set_tcp_nodelay true",
                "log_dest stderr",
                "log_type error",
                "log_type warning",
                "log_type notice",
                ""));
        BrokerProcess p = BrokerProcess.startListening("mosquitto", launch.pinned(List.of(exe, "-c", conf.toString())), dataDir,
                logOf(dataDir), port, START_TIMEOUT);
        return new RunningBroker(Broker.MOSQUITTO, Broker.MOSQUITTO.durabilityLabel(), BrokerProcesses.of(p), "127.0.0.1",
                MqttNodes.one(port), -1, new PeerDialect(), dataDir);
    }
}
