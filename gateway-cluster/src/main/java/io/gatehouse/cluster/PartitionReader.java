package io.gatehouse.cluster;

import io.gatehouse.core.store.EventRecord;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads of older events and position lookups on the event topic, for the core's read shard: one consumer
 * without a group (positions are the core's business, not Kafka's), shared by all partitions, one call at a
 * time. Events at the tail come from {@link RecentEvents} instead; this serves readers that start in the past
 * or fell behind the window. Such a reader reads on from where its last read ended, so the consumer stays
 * where it is, keeps what the last poll brought beyond the read, and prefetches the next batch meanwhile:
 * catching up costs one fetch per batch, not a seek and a fetch per read.
 */
final class PartitionReader implements AutoCloseable {

    /** How long a read waits for events it knows exist before it returns what it has (a broker that lags). */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition[] partitions;
    /** The partition the consumer is assigned, and what its last poll fetched that no read took yet. */
    private TopicPartition current;
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> fetched = new ArrayDeque<>();

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
        positionAt(partitions[partition], Math.max(0, from));
        List<EventRecord> out = new ArrayList<>();
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (fetched.isEmpty() && System.nanoTime() < deadline) {
            consumer.poll(POLL).records(current).forEach(fetched::add);
        }
        while (out.size() < max && !fetched.isEmpty()) {
            out.add(KafkaRecords.toEvent(fetched.poll()));
        }
        return out;
    }

    /** Makes the next record the consumer hands out the first at or after {@code from}. */
    private void positionAt(TopicPartition tp, long from) {
        if (!tp.equals(current)) {
            consumer.assign(List.of(tp));
            current = tp;
            fetched.clear();
            consumer.seek(tp, from);
            return;
        }
        while (!fetched.isEmpty() && fetched.peek().offset() < from) {
            fetched.poll();
        }
        // what is kept (or, with nothing kept, where the consumer stands) must start right at from; a reader
        // elsewhere, or an event retention removed in between, means starting over there
        long next = fetched.isEmpty() ? consumer.position(tp) : fetched.peek().offset();
        if (next != from) {
            fetched.clear();
            consumer.seek(tp, from);
        }
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
