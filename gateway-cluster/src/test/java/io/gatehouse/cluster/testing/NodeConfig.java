package io.gatehouse.cluster.testing;

/** The configuration lines (YAML) that make a packaged gateway a node of a cluster on given engines. */
public final class NodeConfig {

    private NodeConfig() {
    }

    public static String yaml(String nodeId, String kafkaBootstrapServers, String topic, String jdbcUrl, String jdbcUser) {
        return """
                store.type: cluster
                cluster.nodeId: %s
                cluster.kafka.bootstrapServers: %s
                cluster.kafka.topic: %s
                cluster.jdbc.url: "%s"
                cluster.jdbc.user: %s
                """.formatted(nodeId, kafkaBootstrapServers, topic, jdbcUrl, jdbcUser);
    }
}
