package io.gatehouse.cluster;

import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * Where the D2C events of a cluster live in Kafka, and how their topic is created when it is absent.
 *
 * @param bootstrapServers    {@code host:port[,host:port...]} of the Kafka cluster
 * @param topic               the event topic, one Kafka partition per event partition of the hub
 * @param partitions          the hub's event partition count (used when creating the topic)
 * @param retention           the hub's event retention (the topic's {@code retention.ms} when creating it)
 * @param replicationFactor   replicas of each partition when creating the topic; 0: the brokers' default
 * @param minInsyncReplicas   the topic's {@code min.insync.replicas} when creating it; 0: the brokers' default
 * @param clientId            prefix of the Kafka client ids (the node id), so brokers' logs and quotas tell nodes apart
 */
public record KafkaSettings(String bootstrapServers, String topic, int partitions, Duration retention,
                            int replicationFactor, int minInsyncReplicas, String clientId) {

    public static final String DEFAULT_TOPIC = "gatehouse.events";
    /** How long a call to Kafka may take at start before the node gives up (unreachable cluster). */
    static final Duration API_TIMEOUT = Duration.ofSeconds(15);

    public KafkaSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(clientId, "clientId");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1");
        }
    }

    /** The default topic, the brokers' default replication. */
    public static KafkaSettings of(String bootstrapServers, int partitions, Duration retention, String clientId) {
        return new KafkaSettings(bootstrapServers, DEFAULT_TOPIC, partitions, retention, 0, 0, clientId);
    }

    public KafkaSettings withTopic(String otherTopic) {
        return new KafkaSettings(bootstrapServers, otherTopic, partitions, retention, replicationFactor,
                minInsyncReplicas, clientId);
    }

    public KafkaSettings withReplication(int factor, int minInsync) {
        return new KafkaSettings(bootstrapServers, topic, partitions, retention, factor, minInsync, clientId);
    }

    /** The properties every client of the log starts from. */
    Properties clientProperties(String role) {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", bootstrapServers);
        p.setProperty("client.id", clientId + "-" + role);
        p.setProperty("default.api.timeout.ms", Long.toString(API_TIMEOUT.toMillis()));
        p.setProperty("request.timeout.ms", Long.toString(API_TIMEOUT.toMillis()));
        return p;
    }
}
