package io.gatehouse.cluster;

import io.gatehouse.core.store.EventRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the end of every partition of the event topic on a thread of its own, so that this node learns of
 * the events other nodes append without being told, and holds them for its readers: a consumer without a
 * group, assigned all partitions, that long-polls from where the log ended at start. The broker answers a poll
 * once {@link #FETCH_MIN_BYTES} arrived or {@link #FETCH_WAIT} passed, so readers on this node see another
 * node's event at most that wait plus a round trip after Kafka acknowledged it.
 */
final class TailFollower implements AutoCloseable {

    /** Told each partition's newly fetched events, in offset order (never an empty list). */
    @FunctionalInterface
    interface Listener {
        void seen(int partition, List<EventRecord> events);
    }

    private static final Logger LOG = LoggerFactory.getLogger(TailFollower.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final int FETCH_MIN_BYTES = 64 * 1024;
    private static final Duration FETCH_WAIT = Duration.ofMillis(10);
    private static final long RETRY_MILLIS = 1000;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final Listener listener;
    private final Thread thread;
    private volatile boolean closed;

    /** @param ends where each partition ended at start: one past its newest event */
    TailFollower(KafkaSettings settings, long[] ends, Listener listener) {
        Properties p = settings.clientProperties("tail");
        p.setProperty("enable.auto.commit", "false");
        p.setProperty("auto.offset.reset", "earliest");
        // a node behind after a burst catches up in few polls
        p.setProperty("max.poll.records", "2000");
        // without a floor, every produce request of any node wakes this fetch: a round trip (and broker work)
        // per produce request. Other nodes' events may wait up to FETCH_WAIT for company; this node's own reach
        // its readers when Kafka acknowledges them.
        p.setProperty("fetch.min.bytes", Integer.toString(FETCH_MIN_BYTES));
        p.setProperty("fetch.max.wait.ms", Long.toString(FETCH_WAIT.toMillis()));
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.listener = listener;
        for (int i = 0; i < ends.length; i++) {
            partitions.add(new TopicPartition(settings.topic(), i));
        }
        consumer.assign(partitions);
        for (int i = 0; i < ends.length; i++) {
            consumer.seek(partitions.get(i), ends[i]);
        }
        this.thread = new Thread(this::follow, "kafka-tail-" + settings.topic());
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void follow() {
        try {
            while (!closed) {
                try {
                    publish(consumer.poll(POLL));
                } catch (WakeupException e) {
                    // close() wakes the poll
                } catch (KafkaException e) {
                    LOG.warn("following the event topic failed; retrying in {} ms: {}", RETRY_MILLIS, e.toString());
                    pause();
                }
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void publish(ConsumerRecords<byte[], byte[]> batch) {
        for (TopicPartition tp : batch.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> records = batch.records(tp);
            List<EventRecord> events = new ArrayList<>(records.size());
            for (ConsumerRecord<byte[], byte[]> record : records) {
                events.add(KafkaRecords.toEvent(record));
            }
            listener.seen(tp.partition(), events);
        }
    }

    private void pause() {
        try {
            Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            closed = true;
        }
    }

    @Override
    public void close() {
        closed = true;
        if (!thread.isAlive()) {
            // never started (a failed open): nobody else will close the consumer
            consumer.close(Duration.ZERO);
            return;
        }
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
