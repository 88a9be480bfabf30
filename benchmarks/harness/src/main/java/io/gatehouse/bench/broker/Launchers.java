package io.gatehouse.bench.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.IntFunction;

/** Starts each kind of broker in its own process, fresh, on a data directory of its own. */
public final class Launchers {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    /** Every Gatehouse device gets this key, so the load generator can compute its SAS tokens. */
    static final String DEVICE_KEY = Base64.getEncoder().encodeToString(
            "gatehouse-bench-device-key-0001!".getBytes(StandardCharsets.US_ASCII));

    /** Gatehouse's default number of D2C event partitions (the harness does not change it). */
    private static final int EVENT_PARTITIONS = 4;

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
     * Starts {@code broker} on an empty {@code dataDir}. Gatehouse needs its devices declared: {@code deviceIds}
     * names the first {@code devices} of them (peers accept any client id).
     */
    public RunningBroker start(Broker broker, Path dataDir, int devices, IntFunction<String> deviceIds) throws IOException {
        Files.createDirectories(dataDir);
        switch (broker) {
            case GATEHOUSE:
                return gatehouse(dataDir, devices, deviceIds);
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
        BrokerProcess p = BrokerProcess.start(broker.id(), cmd, dataDir, dataDir.resolveSibling(dataDir.getFileName() + ".log"),
                line -> line.contains("PEER READY"), START_TIMEOUT);
        return new RunningBroker(broker, broker.durability(), p, "127.0.0.1", MqttNodes.one(mqttPort), amqpPort, new PeerDialect(), dataDir);
    }

    private RunningBroker gatehouse(Path dataDir, int devices, IntFunction<String> deviceIds) throws IOException {
        Path jar = launch.repoRoot().resolve("gateway-server/target/gatehouse.jar");
        if (!Files.exists(jar)) {
            throw new IOException(jar + " is missing: build with ./gatehouse-bench");
        }
        Path config = dataDir.resolveSibling(dataDir.getFileName() + "-config.yaml");
        StringBuilder yaml = new StringBuilder("devices:\n");
        for (int i = 0; i < devices; i++) {
            yaml.append("  - {id: ").append(deviceIds.apply(i)).append(", primaryKey: \"").append(DEVICE_KEY).append("\"}\n");
        }
        Files.writeString(config, yaml);
        List<String> args = new ArrayList<>(List.of("start", "--data-dir", dataDir.toString(), "--config", config.toString(),
                "--host-name", "localhost", "--store", launch.gatehouseStore(), "--sync", launch.gatehouseSync(),
                "--mqtt-port", "0", "--mqtt-plain-port", "0", "--amqp-port", "0", "--amqp-plain-port", "0", "--https-port", "0"));
        List<String> cmd = launch.java(null, "-jar " + jar, args);
        BrokerProcess p = BrokerProcess.start("gatehouse", cmd, dataDir.getParent(), dataDir.resolveSibling(dataDir.getFileName() + ".log"),
                line -> line.startsWith("Gatehouse is running"), START_TIMEOUT);
        try {
            JsonNode info = new ObjectMapper().readTree(dataDir.resolve("gatehouse.json").toFile());
            JsonNode ports = info.path("ports");
            int mqtt = ports.path("mqtt-plain").asInt(-1);
            int amqp = ports.path("amqp-plain").asInt(-1);
            if (mqtt <= 0) {
                throw new IOException("Gatehouse listens for no plain MQTT (ports: " + ports + "): are the adapters merged?");
            }
            String serviceKey = serviceKey(info.path("serviceConnectionString").asText());
            GatehouseDialect dialect = new GatehouseDialect(info.path("hostName").asText("localhost"), DEVICE_KEY, serviceKey,
                    EVENT_PARTITIONS, ports.path("https").asInt(-1), Path.of(info.path("trustFile").asText()));
            // trust the gateway's own banner over the flags: its store line says "(durable)" only for a synced journal
            String storeLine = Files.readAllLines(p.log()).stream().filter(l -> l.strip().startsWith("Store:"))
                    .findFirst().orElse("no store line in the banner");
            String durability = storeLine.contains("(durable)") ? "D1" : "D0";
            if (!durability.equals(launch.durabilityOf(Broker.GATEHOUSE))) {
                throw new IOException("Gatehouse reports '" + storeLine.strip() + "', not the durability asked for");
            }
            return new RunningBroker(Broker.GATEHOUSE, durability, p, "127.0.0.1", MqttNodes.one(mqtt), amqp, dialect, dataDir);
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private static String serviceKey(String connectionString) {
        for (String part : connectionString.split(";")) {
            if (part.startsWith("SharedAccessKey=")) {
                return part.substring("SharedAccessKey=".length());
            }
        }
        throw new IllegalStateException("no SharedAccessKey in the service connection string");
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
                dataDir.resolveSibling(dataDir.getFileName() + ".log"), port, START_TIMEOUT);
        return new RunningBroker(Broker.MOSQUITTO, Broker.MOSQUITTO.durability(), p, "127.0.0.1", MqttNodes.one(port), -1,
                new PeerDialect(), dataDir);
    }
}
