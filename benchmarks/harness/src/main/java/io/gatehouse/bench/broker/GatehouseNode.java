package io.gatehouse.bench.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * One gateway process from the fat jar ({@code gateway-server/target/gatehouse.jar start}), on ephemeral loopback
 * ports: the single-node broker, or one node of a cluster. Once its banner says it runs, its ports and keys come
 * from the {@code gatehouse.json} it writes in its data directory.
 */
final class GatehouseNode {

    /** Gatehouse's default number of D2C event partitions (the harness does not change it). */
    static final int EVENT_PARTITIONS = 4;

    private final BrokerProcess process;
    private final JsonNode info;
    private final String storeLine;

    private GatehouseNode(BrokerProcess process, JsonNode info, String storeLine) {
        this.process = process;
        this.info = info;
        this.storeLine = storeLine;
    }

    /**
     * Starts a node with {@code yaml} as its configuration (written beside its log, {@code NAME.log} and
     * {@code NAME-config.yaml}) and {@code storeArgs} on its command line; returns once its banner says it runs.
     */
    static GatehouseNode start(Launch launch, String name, Path dataDir, Path log, String yaml, List<String> storeArgs,
                               Duration timeout) throws IOException {
        Path jar = launch.repoRoot().resolve("gateway-server/target/gatehouse.jar");
        if (!Files.exists(jar)) {
            throw new IOException(jar + " is missing: build with ./gatehouse-bench");
        }
        Files.createDirectories(dataDir);
        Path config = log.resolveSibling(log.getFileName().toString().replace(".log", "-config.yaml"));
        // loopback only, and every port ephemeral: several nodes share the machine
        Files.writeString(config, "bindAddress: 127.0.0.1\n" + yaml);
        List<String> args = new ArrayList<>(List.of("start", "--data-dir", dataDir.toString(), "--config", config.toString(),
                "--host-name", "localhost", "--mqtt-port", "0", "--mqtt-plain-port", "0", "--amqp-port", "0",
                "--amqp-plain-port", "0", "--https-port", "0", "--health-port", "0"));
        args.addAll(storeArgs);
        List<String> command = launch.java(launch.gatehouseJvmOptions(), null, "-jar " + jar, args);
        BrokerProcess p = BrokerProcess.start(name, command, dataDir.getParent(), log,
                line -> line.startsWith("Gatehouse is running"), timeout);
        try {
            JsonNode info = new ObjectMapper().readTree(dataDir.resolve("gatehouse.json").toFile());
            if (info.path("ports").path("mqtt-plain").asInt(-1) <= 0) {
                throw new IOException("Gatehouse listens for no plain MQTT (ports: " + info.path("ports") + "): are the adapters merged?");
            }
            String storeLine = Files.readAllLines(p.log()).stream().map(String::strip).filter(l -> l.startsWith("Store:"))
                    .findFirst().orElse("no store line in the banner");
            return new GatehouseNode(p, info, storeLine);
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /** The {@code devices:} section declaring the first {@code devices} ids, all with the harness's device key. */
    static String devicesYaml(int devices, IntFunction<String> deviceIds) {
        StringBuilder yaml = new StringBuilder("devices:\n");
        for (int i = 0; i < devices; i++) {
            yaml.append("  - {id: ").append(deviceIds.apply(i)).append(", primaryKey: \"").append(Launchers.DEVICE_KEY).append("\"}\n");
        }
        return yaml.toString();
    }

    BrokerProcess process() {
        return process;
    }

    /** A listener's port: {@code mqtt-plain}, {@code amqp-plain}, {@code https} (-1 if it has none). */
    int port(String listener) {
        return info.path("ports").path(listener).asInt(-1);
    }

    /** The banner's store line, e.g. {@code Store: journal, sync=batch (durable)}. */
    String storeLine() {
        return storeLine;
    }

    /** How clients reach this node: its host name, the devices' and the service's keys, its REST port and CA. */
    GatehouseDialect dialect() {
        return new GatehouseDialect(info.path("hostName").asText("localhost"), Launchers.DEVICE_KEY,
                serviceKey(info.path("serviceConnectionString").asText()), EVENT_PARTITIONS, port("https"),
                Path.of(info.path("trustFile").asText()));
    }

    private static String serviceKey(String connectionString) {
        for (String part : connectionString.split(";")) {
            if (part.startsWith("SharedAccessKey=")) {
                return part.substring("SharedAccessKey=".length());
            }
        }
        throw new IllegalStateException("no SharedAccessKey in the service connection string");
    }
}
