package io.gatehouse.it;

import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import io.gatehouse.cluster.testing.NodeConfig;
import java.sql.SQLException;

/**
 * The store settings of one cluster's nodes: the test run's Kafka and PostgreSQL, with a topic and a schema of the
 * cluster's own, so that clusters of different tests never see each other's events or state.
 */
record ClusterStoreConfig(String bootstrapServers, String jdbcUrl, String topic) {

    static ClusterStoreConfig fresh(EmbeddedKafka kafka, EmbeddedPostgres postgres) throws SQLException {
        return new ClusterStoreConfig(kafka.bootstrapServers(), postgres.newSchemaUrl(), "it-events-" + System.nanoTime());
    }

    /** The YAML lines that make a gateway the node {@code nodeId} of this cluster. */
    String yaml(String nodeId) {
        return NodeConfig.yaml(nodeId, bootstrapServers, topic, jdbcUrl, EmbeddedPostgres.USER);
    }
}
