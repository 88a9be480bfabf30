package io.gatehouse.cluster;

import io.gatehouse.core.store.EventRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads and position lookups on the event topic, for the core's read shard: one consumer without a group
 * (positions are the core's business, not Kafka's), shared by all partitions, one call at a time.
 */
final class PartitionReader implements AutoCloseable {

    /** How long a read waits for events it knows exist before it returns what it has (a broker that lags). */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition[] partitions;

    PartitionReader(KafkaSettings settings, int partitionCount, int maxBatch) {
        Properties p = settings.clientProperties("reader");
        p.setProperty("enable.auto.commit", "false");
        // a position before the oldest retained event starts at the oldest: reads skip what retention removed
        p.setProperty("auto.offset.reset", "earliest");
        p.setProperty("max.poll.records", Integer.toString(maxBatch));
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.partitions = new TopicPartition[partitionCount];
        for (int i = 0; i < partitionCount; i++) {
            partitions[i] = new TopicPartition(settings.topic(), i);
        }
    }

    /** Up to {@code max} events from {@code from} on; empty when none arrives within {@link #READ_TIMEOUT}. */
    synchronized List<EventRecord> read(int partition, long from, int max) {
        TopicPartition tp = partitions[partition];
        if (!consumer.assignment().equals(Set.of(tp))) {
            consumer.assign(List.of(tp));
        }
        consumer.seek(tp, Math.max(0, from));
        List<EventRecord> out = new ArrayList<>();
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (out.isEmpty() && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL).records(tp)) {
                if (out.size() < max && record.offset() >= from) {
                    out.add(KafkaRecords.toEvent(record));
                }
            }
        }
        return out;
    }

    /** The first retained event at or after {@code offset}, or null. */
    EventRecord firstFrom(int partition, long offset) {
        List<EventRecord> one = read(partition, offset, 1);
        return one.isEmpty() ? null : one.get(0);
    }

    synchronized long startOffset(int partition) {
        TopicPartition tp = partitions[partition];
        return consumer.beginningOffsets(List.of(tp)).get(tp);
    }

    /** One past the newest event. */
    synchronized long endOffset(int partition) {
        TopicPartition tp = partitions[partition];
        return consumer.endOffsets(List.of(tp)).get(tp);
    }

    /** The offset of the first event stored at or after {@code epochMillis}, or -1. */
    synchronized long offsetAtTime(int partition, long epochMillis) {
        TopicPartition tp = partitions[partition];
        // Kafka refuses negative times; every event is stored after 1970
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(Map.of(tp, Math.max(0, epochMillis)));
        OffsetAndTimestamp at = found.get(tp);
        return at == null ? -1 : at.offset();
    }

    @Override
    public synchronized void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
