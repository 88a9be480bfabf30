package io.gatehouse.cluster;

import io.gatehouse.core.store.EventRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * How a Kafka record is an event record: its Kafka offset is both its sequence number and its offset (the
 * Event Hubs offset clients see is that number as a string), its timestamp (the broker's append time on a
 * topic created by {@link EventTopic}) is its enqueued time, and its value is the encoded event.
 */
final class KafkaRecords {

    private static final byte[] EMPTY = new byte[0];

    private KafkaRecords() {
    }

    static EventRecord toEvent(ConsumerRecord<byte[], byte[]> record) {
        return of(record.offset(), record.timestamp(), record.value());
    }

    static EventRecord of(long offset, long timestamp, byte[] value) {
        return new EventRecord(offset, offset, timestamp, value == null ? EMPTY : value);
    }
}
