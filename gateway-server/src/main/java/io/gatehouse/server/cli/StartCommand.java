package io.gatehouse.server.cli;

import io.gatehouse.server.Gatehouse;
import io.gatehouse.server.config.ConfigLoader;
import io.gatehouse.server.config.GatehouseConfig;
import io.gatehouse.server.config.ServerSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gatehouse start}: runs a gateway in the foreground until SIGTERM or Ctrl-C. */
@Command(name = "start", mixinStandardHelpOptions = true, description = "Start a gateway in the foreground (stop with Ctrl-C or SIGTERM).",
        footerHeading = "%nEvery property, its default and what it allows (as a file key, --set KEY=VALUE, or environment GATEHOUSE_KEY):%n")
public final class StartCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (or GATEHOUSE_CONFIG).")
    Path configFile;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (default ./data).")
    String dataDir;

    @Option(names = "--host-name", paramLabel = "NAME", description = "Host name clients use (default 127.0.0.1).")
    String hostName;

    @Option(names = "--hub-name", paramLabel = "NAME", description = "Hub name (default gatehouse).")
    String hubName;

    @Option(names = "--mqtt-port", paramLabel = "PORT", description = "MQTT over TLS (default 8883; 0 = any free port).")
    Integer mqttPort;

    @Option(names = "--mqtt-plain-port", paramLabel = "PORT", description = "Plain MQTT (default 1883).")
    Integer mqttPlainPort;

    @Option(names = "--no-mqtt-plain", description = "Do not listen for plain MQTT.")
    boolean noMqttPlain;

    @Option(names = "--amqp-port", paramLabel = "PORT", description = "AMQP over TLS (default 5671).")
    Integer amqpPort;

    @Option(names = "--amqp-plain-port", paramLabel = "PORT", description = "Plain AMQP (default 5672).")
    Integer amqpPlainPort;

    @Option(names = "--no-amqp-plain", description = "Do not listen for plain AMQP.")
    boolean noAmqpPlain;

    @Option(names = "--https-port", paramLabel = "PORT",
            description = "REST API over HTTPS (default 443; 8443 when 443 may not be bound, see https.fallbackPort).")
    Integer httpsPort;

    @Option(names = "--health-port", paramLabel = "PORT", description = "Plain HTTP /health and /metrics (default 9080).")
    Integer healthPort;

    @Option(names = "--well-known-keys",
            description = "Development only: the published policy and device keys (docs/connect-your-sdk.md), never random ones.")
    boolean wellKnownKeys;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain instead of the development certificate.")
    String tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key for --tls-cert.")
    String tlsKey;

    @Option(names = "--store", paramLabel = "TYPE", description = "journal (durable, default) or memory.")
    String store;

    @Option(names = "--sync", paramLabel = "POLICY", description = "always, batch (default) or never (NOT durable).")
    String sync;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set any property (repeatable).")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        Gatehouse gatehouse = start(loadConfig(System.getenv()));
        gatehouse.connectionInfo().write(gatehouse.dataDir());
        printBanner(gatehouse, spec.commandLine().getOut());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gatehouse.close();
            ConsoleLog.flush(); // the lines of the shutdown itself, still queued
            stopped.countDown();
        }, "gatehouse-shutdown"));
        stopped.await();
        return 0;
    }

    /** Starts from {@code config}, which is not kept: the running gateway holds what it needs of it. */
    private static Gatehouse start(GatehouseConfig config) throws IOException {
        ConsoleLog.apply(config.logFormat());
        return Gatehouse.start(config);
    }

    GatehouseConfig loadConfig(Map<String, String> env) {
        ConfigLoader loader = new ConfigLoader();
        Path file = configFile != null ? configFile : env.containsKey("GATEHOUSE_CONFIG") ? Path.of(env.get("GATEHOUSE_CONFIG")) : null;
        if (file != null) {
            loader.file(file);
        }
        loader.environment(env);
        flag(loader, ServerSettings.DATA_DIR.property(), dataDir);
        flag(loader, ServerSettings.HOST_NAME.property(), hostName);
        flag(loader, ServerSettings.HUB_NAME.property(), hubName);
        flag(loader, ServerSettings.MQTT_PORT.property(), mqttPort);
        flag(loader, ServerSettings.MQTT_PLAIN_PORT.property(), mqttPlainPort);
        flag(loader, ServerSettings.AMQP_PORT.property(), amqpPort);
        flag(loader, ServerSettings.AMQP_PLAIN_PORT.property(), amqpPlainPort);
        flag(loader, ServerSettings.HTTPS_PORT.property(), httpsPort);
        flag(loader, ServerSettings.HEALTH_PORT.property(), healthPort);
        flag(loader, ServerSettings.TLS_CERTIFICATE.property(), tlsCert);
        flag(loader, ServerSettings.TLS_KEY.property(), tlsKey);
        flag(loader, ServerSettings.STORE_TYPE.property(), store);
        flag(loader, ServerSettings.STORE_SYNC.property(), sync);
        if (noMqttPlain) {
            loader.set(ServerSettings.MQTT_PLAIN_ENABLED.property(), "false");
        }
        if (wellKnownKeys) {
            loader.set(ServerSettings.WELL_KNOWN_KEYS.property(), "true");
        }
        if (noAmqpPlain) {
            loader.set(ServerSettings.AMQP_PLAIN_ENABLED.property(), "false");
        }
        loader.setAll(settings);
        return loader.load();
    }

    private static void flag(ConfigLoader loader, String property, Object value) {
        if (value != null) {
            loader.set(property, value.toString());
        }
    }

    /** The last line is the readiness signal scripts and tests wait for, so it comes after everything they read. */
    static void printBanner(Gatehouse g, java.io.PrintWriter out) {
        GatehouseConfig c = g.config();
        String storeLine = c.storeType().equals("memory") ? "in memory (NOT durable: nothing survives a restart)"
                : c.storeType().equals("cluster") ? "cluster node " + c.cluster().nodeId() + ": events in Kafka at "
                        + c.cluster().kafkaBootstrapServers() + ", state in PostgreSQL (durable)"
                : c.storeSync().equals("never") ? "journal with sync=never (NOT durable: acknowledged data can be lost)"
                : "journal, sync=" + c.storeSync() + " (durable)";
        out.println("Gatehouse");
        out.println("  Store:                      " + storeLine);
        if (c.wellKnownKeys()) {
            out.println("  Keys:                       WELL-KNOWN development keys (anyone can connect: never in production)");
        }
        out.println("  Hub host name:              " + g.hostName());
        out.println("  Service connection string:  " + g.serviceConnectionString());
        out.println("  Event Hub-compatible:       " + g.eventHubConnectionString());
        out.println("  CA certificate to trust:    " + g.tls().trustFile());
        out.println("  Data directory:             " + g.dataDir());
        g.listeners().forEach(l -> out.printf("  %-27s %s%n", l.name() + ":", g.hostName() + ":" + l.port()));
        out.println("Gatehouse is running.");
        out.flush();
    }
}
