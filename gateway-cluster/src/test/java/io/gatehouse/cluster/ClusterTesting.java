package io.gatehouse.cluster;

import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Settings of stores on the test engines, each on a topic and in a schema nobody else uses. */
final class ClusterTesting {

    private static final AtomicInteger TOPICS = new AtomicInteger();

    private ClusterTesting() {
    }

    static KafkaSettings newTopic(EmbeddedKafka kafka, int partitions, String nodeId) {
        return KafkaSettings.of(kafka.bootstrapServers(), partitions, Duration.ofDays(1), nodeId)
                .withTopic("events-" + TOPICS.incrementAndGet());
    }

    static PostgresSettings newSchema(EmbeddedPostgres postgres, String nodeId) throws SQLException {
        return new PostgresSettings(postgres.newSchemaUrl(), EmbeddedPostgres.USER, null, nodeId);
    }

    static ClusterStore openStore(EmbeddedKafka kafka, EmbeddedPostgres postgres, int partitions) throws SQLException {
        return ClusterStore.open(newSchema(postgres, "test-node"), newTopic(kafka, partitions, "test-node"));
    }
}
