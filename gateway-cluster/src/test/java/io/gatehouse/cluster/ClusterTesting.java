package io.gatehouse.cluster;

import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.store.DeviceOwnership;
import io.gatehouse.core.store.StateKey;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Settings of stores on the test engines, each on a topic and in a schema nobody else uses; an ownership listener for
 * stores without a core.
 */
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

    /** An ownership listener that records the devices this node lost and has nothing else to do (no core). */
    static DeviceOwnership.Listener releasesInto(Set<DeviceId> released) {
        return recording(released, new ConcurrentHashMap<>());
    }

    /** The same, also recording the devices this node took over from dead nodes, with their queue rows. */
    static DeviceOwnership.Listener recording(Set<DeviceId> released, Map<DeviceId, Map<StateKey, byte[]>> adopted) {
        return new DeviceOwnership.Listener() {
            @Override
            public void released(DeviceId device) {
                released.add(device);
            }

            @Override
            public CompletableFuture<byte[]> called(DeviceId device, byte[] call) {
                return CompletableFuture.failedFuture(new IllegalStateException("no core here to answer calls"));
            }

            @Override
            public void adopted(DeviceId device, Map<StateKey, byte[]> entries) {
                adopted.put(device, entries);
            }

            @Override
            public void readersDisplaced(String consumerGroup, int partition, long ownerLevel) {
            }

            @Override
            public void feedbackReleased() {
            }

            @Override
            public void feedbackAdopted(Map<StateKey, byte[]> entries) {
            }
        };
    }
}
