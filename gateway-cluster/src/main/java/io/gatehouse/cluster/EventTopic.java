package io.gatehouse.cluster;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The event topic: found, or created with one partition per event partition, the hub's retention and the
 * broker's clock for timestamps ({@code LogAppendTime}), which makes the enqueued time of an event the time
 * Kafka stored it, the same for every node that reads it.
 */
final class EventTopic {

    private EventTopic() {
    }

    /** Creates the topic unless it exists; returns its partition count (the core refuses a mismatch). */
    static int ensure(Admin admin, KafkaSettings settings) throws InterruptedException, ExecutionException, TimeoutException {
        Optional<Integer> existing = partitionCount(admin, settings.topic());
        if (existing.isPresent()) {
            return existing.get();
        }
        Map<String, String> config = new HashMap<>();
        config.put("retention.ms", Long.toString(settings.retention().toMillis()));
        config.put("message.timestamp.type", "LogAppendTime");
        if (settings.minInsyncReplicas() > 0) {
            config.put("min.insync.replicas", Integer.toString(settings.minInsyncReplicas()));
        }
        Optional<Short> replicas = settings.replicationFactor() > 0
                ? Optional.of((short) settings.replicationFactor()) : Optional.empty();
        NewTopic topic = new NewTopic(settings.topic(), Optional.of(settings.partitions()), replicas).configs(config);
        try {
            admin.createTopics(List.of(topic)).all().get(KafkaSettings.API_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return settings.partitions();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                // another node created it meanwhile
                return partitionCount(admin, settings.topic()).orElseThrow(() -> e);
            }
            throw e;
        }
    }

    private static Optional<Integer> partitionCount(Admin admin, String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            return Optional.of(admin.describeTopics(List.of(topic)).topicNameValues().get(topic)
                    .get(KafkaSettings.API_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).partitions().size());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
