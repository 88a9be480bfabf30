package io.gatehouse.server.config;

import static io.gatehouse.core.config.Setting.bool;
import static io.gatehouse.core.config.Setting.integer;
import static io.gatehouse.core.config.Setting.text;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.config.Setting;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every configuration property of the runnable gateway besides the hub settings, with its default and
 * allowed values. One definition serves the file, the environment, the flags and {@code --help}.
 */
public final class ServerSettings {

    private static final String HOST_PATTERN = "[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?";

    public static final Setting<String> HOST_NAME = text("hostName", "127.0.0.1", HOST_PATTERN,
            "a DNS host name or IP address; the Java device SDK needs a dot in it");
    public static final Setting<String> DATA_DIR = text("dataDir", "./data", ".+", "a directory path");
    public static final Setting<String> BIND_ADDRESS = text("bindAddress", "0.0.0.0", "[0-9A-Fa-f.:]+", "an IP address to listen on");
    public static final Setting<Integer> MQTT_PORT = port("mqtt.port", 8883);
    public static final Setting<Integer> MQTT_PLAIN_PORT = port("mqtt.plainPort", 1883);
    public static final Setting<Boolean> MQTT_PLAIN_ENABLED = bool("mqtt.plainEnabled", true);
    public static final Setting<Integer> MQTT_MAX_IN_FLIGHT = integer("mqtt.maxInFlight", 1, 1000, 16);
    public static final Setting<Integer> AMQP_PORT = port("amqp.port", 5671);
    public static final Setting<Integer> AMQP_PLAIN_PORT = port("amqp.plainPort", 5672);
    public static final Setting<Boolean> AMQP_PLAIN_ENABLED = bool("amqp.plainEnabled", true);
    public static final Setting<Integer> HTTPS_PORT = port("https.port", 443);
    /** Where HTTPS listens instead when {@code https.port} may not be bound for lack of privilege; 0: fail. */
    public static final Setting<Integer> HTTPS_FALLBACK_PORT = integer("https.fallbackPort", 0, 65535, 8443);
    public static final Setting<Integer> HEALTH_PORT = port("health.port", 9080);
    public static final Setting<Boolean> HEALTH_ENABLED = bool("health.enabled", true);
    public static final Setting<String> TLS_CERTIFICATE = text("tls.certificateFile", null, ".+",
            "a PEM certificate chain file (with tls.keyFile; default: the generated development certificate)");
    public static final Setting<String> TLS_KEY = text("tls.keyFile", null, ".+", "a PEM private key file (unencrypted)");
    public static final Setting<String> STORE_TYPE = text("store.type", "journal", "journal|memory|cluster",
            "journal (durable), memory (nothing survives a restart) or cluster (Kafka and PostgreSQL shared by nodes: docs/cluster.md)");
    public static final Setting<String> STORE_SYNC = text("store.sync", "batch", "always|never|batch(\\([0-9]{1,6}(us|ms)\\))?",
            "always, batch (group commit paced at one sync per 500us under load), batch(<n>us|ms), or never (NOT durable: benchmarks only)");
    public static final Setting<String> CLUSTER_NODE_ID = text("cluster.nodeId", "gatehouse", "[A-Za-z0-9._-]{1,64}",
            "this node's name in Kafka client ids and PostgreSQL's application_name");
    public static final Setting<String> CLUSTER_KAFKA_BOOTSTRAP = text("cluster.kafka.bootstrapServers", null,
            "[^,\\s]+(,[^,\\s]+)*", "host:port[,host:port...] of the Kafka cluster (store.type=cluster)");
    public static final Setting<String> CLUSTER_KAFKA_TOPIC = text("cluster.kafka.topic", "gatehouse.events",
            "[A-Za-z0-9._-]{1,249}", "the D2C event topic, created when absent");
    public static final Setting<Integer> CLUSTER_KAFKA_REPLICATION = integer("cluster.kafka.replicationFactor", 0, 32, 0);
    public static final Setting<Integer> CLUSTER_KAFKA_MIN_INSYNC = integer("cluster.kafka.minInsyncReplicas", 0, 32, 0);
    public static final Setting<String> CLUSTER_JDBC_URL = text("cluster.jdbc.url", null, "jdbc:postgresql:.+",
            "jdbc:postgresql://host:port/database of the shared state (store.type=cluster)");
    public static final Setting<String> CLUSTER_JDBC_USER = text("cluster.jdbc.user", null, ".+", "the PostgreSQL user");
    public static final Setting<String> CLUSTER_JDBC_PASSWORD = text("cluster.jdbc.password", null, ".*",
            "its password (prefer the GATEHOUSE_CLUSTER_JDBC_PASSWORD environment variable to a file)");
    public static final Setting<Integer> SHARDS = integer("core.shards", 1, 64,
            Math.max(1, Runtime.getRuntime().availableProcessors()));
    public static final Setting<String> LOG_FORMAT = text("log.format", "text", "text|json", "text or json");
    public static final Setting<Boolean> WELL_KNOWN_KEYS = bool("development.wellKnownKeys", false);

    /** The gateway's own settings, in the order help lists them. */
    public static final List<Setting<?>> SERVER = List.of(HOST_NAME, DATA_DIR, BIND_ADDRESS, MQTT_PORT, MQTT_PLAIN_PORT,
            MQTT_PLAIN_ENABLED, MQTT_MAX_IN_FLIGHT, AMQP_PORT, AMQP_PLAIN_PORT, AMQP_PLAIN_ENABLED, HTTPS_PORT,
            HTTPS_FALLBACK_PORT, HEALTH_PORT, HEALTH_ENABLED, TLS_CERTIFICATE, TLS_KEY, STORE_TYPE, STORE_SYNC,
            CLUSTER_NODE_ID, CLUSTER_KAFKA_BOOTSTRAP, CLUSTER_KAFKA_TOPIC, CLUSTER_KAFKA_REPLICATION, CLUSTER_KAFKA_MIN_INSYNC,
            CLUSTER_JDBC_URL, CLUSTER_JDBC_USER, CLUSTER_JDBC_PASSWORD, SHARDS, LOG_FORMAT, WELL_KNOWN_KEYS);

    /** The hub name, which {@link HubSettings} validates itself. */
    public static final Setting<String> HUB_NAME = text(HubSettings.HUB_NAME, "gatehouse", ".*",
            "3 to 50 letters, digits or '-'");

    private ServerSettings() {
    }

    /** Every property a configuration may set, server and hub, by name. */
    public static Map<String, Setting<?>> all() {
        Map<String, Setting<?>> all = new LinkedHashMap<>();
        SERVER.forEach(s -> all.put(s.property(), s));
        all.put(HUB_NAME.property(), HUB_NAME);
        HubSettings.ALL.forEach(s -> all.put(s.property(), s));
        return Collections.unmodifiableMap(all);
    }

    /** A reference table of all properties (for {@code --help}). */
    public static String reference() {
        List<String> lines = new ArrayList<>();
        for (Setting<?> s : all().values()) {
            Object def = s.defaultValue();
            lines.add(String.format("  %-45s %-10s %s", s.property(), def == null ? "-" : def, s.range()));
        }
        return String.join(System.lineSeparator(), lines);
    }

    private static Setting<Integer> port(String property, int def) {
        return integer(property, 0, 65535, def);
    }
}
