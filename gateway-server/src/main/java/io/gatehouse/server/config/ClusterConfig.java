package io.gatehouse.server.config;

import java.util.Map;

/**
 * The settings of {@code store.type=cluster}: where the node finds Kafka (D2C events) and PostgreSQL
 * (everything else), and the name it gives itself there. Validated only when the cluster store is used.
 */
public record ClusterConfig(
        String nodeId,
        String kafkaBootstrapServers,
        String kafkaTopic,
        int kafkaReplicationFactor,
        int kafkaMinInsyncReplicas,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword) {

    static ClusterConfig fromProperties(Map<String, String> p) {
        return new ClusterConfig(
                ServerSettings.CLUSTER_NODE_ID.from(p),
                ServerSettings.CLUSTER_KAFKA_BOOTSTRAP.from(p),
                ServerSettings.CLUSTER_KAFKA_TOPIC.from(p),
                ServerSettings.CLUSTER_KAFKA_REPLICATION.from(p),
                ServerSettings.CLUSTER_KAFKA_MIN_INSYNC.from(p),
                ServerSettings.CLUSTER_JDBC_URL.from(p),
                ServerSettings.CLUSTER_JDBC_USER.from(p),
                ServerSettings.CLUSTER_JDBC_PASSWORD.from(p));
    }

    /** Refuses a cluster store without the two addresses it cannot guess. */
    void requireAddresses() {
        if (kafkaBootstrapServers == null || jdbcUrl == null) {
            throw new InvalidConfigException("store.type=cluster needs " + ServerSettings.CLUSTER_KAFKA_BOOTSTRAP.property()
                    + " and " + ServerSettings.CLUSTER_JDBC_URL.property());
        }
    }

    /** Passwords stay out of toString (configurations get logged). */
    @Override
    public String toString() {
        return "ClusterConfig[nodeId=" + nodeId + ", kafka=" + kafkaBootstrapServers + ", topic=" + kafkaTopic
                + ", jdbc=" + jdbcUrl + ", user=" + jdbcUser + ", password=" + (jdbcPassword == null ? "none" : "***") + "]";
    }
}
