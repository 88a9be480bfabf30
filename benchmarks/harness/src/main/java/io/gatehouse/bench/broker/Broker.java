package io.gatehouse.bench.broker;

import java.util.Arrays;
import java.util.Locale;

/**
 * The brokers the harness compares, each with its durability label: D1 = a message is acknowledged only after
 * it is synced to disk (group commit), D0 = acknowledged before any sync (lost on a crash). A broker whose D2C
 * events and C2D queues live in different stores has a label for each ({@link MessagePath}).
 */
public enum Broker {
    GATEHOUSE("gatehouse", "D1", true, "Gatehouse, journal store, sync=batch (group commit)"),
    ARTEMIS("artemis", "D1", true, "ActiveMQ Artemis 2.44.0 embedded, journal synced (NIO), buffer timeout = measured sync"),
    MOQUETTE("moquette", "D0", false, "Moquette 0.17 embedded, H2 + segmented queues; H2 commits every 30 s, queues not synced; session command queue 131,072"),
    HIVEMQ_CE("hivemq-ce", "D0", false, "HiveMQ CE 2025.5 embedded, file persistence; Xodus durable writes off (1 s sync period)"),
    MOSQUITTO("mosquitto", "D0", false, "Mosquitto 2 (Debian), persistence off (it only ever saves periodically)"),
    GATEHOUSE_CLUSTER_1("gatehouse-cluster-1", 1),
    GATEHOUSE_CLUSTER_3("gatehouse-cluster-3", 3);

    private final String id;
    private final String eventDurability;
    private final String c2dDurability;
    private final boolean speaksAmqp;
    private final int clusterNodes;
    private final String description;

    Broker(String id, String durability, boolean speaksAmqp, String description) {
        this(id, durability, durability, speaksAmqp, 0, description);
    }

    /**
     * Gatehouse with {@code store.type=cluster}: events in one Kafka broker, which acknowledges from its page
     * cache (EmbeddedKafka sets no {@code log.flush.*}, and {@code acks=all} on one broker is no sync); C2D
     * queues and all other state in PostgreSQL, whose commits wait for the WAL flush (checked at start).
     */
    Broker(String id, int clusterNodes) {
        this(id, "D0", "D1", true, clusterNodes, "Gatehouse cluster, " + clusterNodes + (clusterNodes == 1 ? " node" : " nodes")
                + " on one Kafka 4.1 broker (KRaft) and one PostgreSQL: C2D queues and state D1 in PostgreSQL (fsync=on,"
                + " synchronous_commit=on), D2C events D0 in the one Kafka broker (acks=all, acknowledged from its page cache:"
                + " no log.flush settings; durable by replication in production)");
    }

    Broker(String id, String eventDurability, String c2dDurability, boolean speaksAmqp, int clusterNodes, String description) {
        this.id = id;
        this.eventDurability = eventDurability;
        this.c2dDurability = c2dDurability;
        this.speaksAmqp = speaksAmqp;
        this.clusterNodes = clusterNodes;
        this.description = description;
    }

    public String id() {
        return id;
    }

    /** The durability of the messages of a scenario on {@code path}. */
    public String durability(MessagePath path) {
        return path == MessagePath.C2D ? c2dDurability : eventDurability;
    }

    /** Both labels, or the one when they agree: what the harness prints and documents. */
    public String durabilityLabel() {
        return eventDurability.equals(c2dDurability) ? eventDurability : "D2C " + eventDurability + ", C2D " + c2dDurability;
    }

    public boolean speaksAmqp() {
        return speaksAmqp;
    }

    public String description() {
        return description;
    }

    /** Gatehouse in either store: IoT Hub's dialect, C2D queues whatever the MQTT session. */
    public boolean isGatehouse() {
        return this == GATEHOUSE || isCluster();
    }

    /** Several processes: gateway nodes sharing one Kafka and one PostgreSQL. */
    public boolean isCluster() {
        return clusterNodes > 0;
    }

    /** How many gateway nodes a cluster broker runs (0 for the others). */
    public int clusterNodes() {
        return clusterNodes;
    }

    /** One JVM process, whose heap {@code jcmd} can measure. */
    public boolean isJvm() {
        return this != MOSQUITTO && !isCluster();
    }

    public static Broker byId(String id) {
        String wanted = id.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(b -> b.id.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown broker '" + id + "'; known: "
                        + String.join(", ", Arrays.stream(values()).map(Broker::id).toList())));
    }
}
