package io.gatehouse.bench.broker;

import java.util.Arrays;
import java.util.Locale;

/**
 * The brokers the harness compares, each with its durability label: D1 = a message is acknowledged only after
 * it is synced to disk (group commit), D0 = acknowledged before any sync (lost on a crash).
 */
public enum Broker {
    GATEHOUSE("gatehouse", "D1", true, "Gatehouse, journal store, sync=batch (group commit)"),
    ARTEMIS("artemis", "D1", true, "ActiveMQ Artemis 2.44.0 embedded, journal synced (NIO), buffer timeout = measured sync"),
    MOQUETTE("moquette", "D0", false, "Moquette 0.17 embedded, H2 + segmented queues; H2 commits every 30 s, queues not synced"),
    HIVEMQ_CE("hivemq-ce", "D0", false, "HiveMQ CE 2025.5 embedded, file persistence; Xodus durable writes off (1 s sync period)"),
    MOSQUITTO("mosquitto", "D0", false, "Mosquitto 2 (Debian), persistence off (it only ever saves periodically)");

    private final String id;
    private final String durability;
    private final boolean speaksAmqp;
    private final String description;

    Broker(String id, String durability, boolean speaksAmqp, String description) {
        this.id = id;
        this.durability = durability;
        this.speaksAmqp = speaksAmqp;
        this.description = description;
    }

    public String id() {
        return id;
    }

    public String durability() {
        return durability;
    }

    public boolean speaksAmqp() {
        return speaksAmqp;
    }

    public String description() {
        return description;
    }

    public boolean isJvm() {
        return this != MOSQUITTO;
    }

    public static Broker byId(String id) {
        String wanted = id.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(b -> b.id.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown broker '" + id + "'; known: "
                        + String.join(", ", Arrays.stream(values()).map(Broker::id).toList())));
    }
}
