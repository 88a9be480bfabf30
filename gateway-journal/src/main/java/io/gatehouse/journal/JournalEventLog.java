package io.gatehouse.journal;

import io.gatehouse.core.store.EventLog;
import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.StoreException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The D2C event log over the journal: one segmented stream per partition, written by the shared appender,
 * read through each partition's in-memory index. Reads only ever see durable events.
 */
final class JournalEventLog implements EventLog {

    private final JournalStore store;
    private final Appender appender;
    private final EventPartition[] partitions;

    JournalEventLog(JournalStore store, Appender appender, EventPartition[] partitions) {
        this.store = store;
        this.appender = appender;
        this.partitions = partitions;
    }

    @Override
    public int partitions() {
        return partitions.length;
    }

    @Override
    public CompletableFuture<Void> append(int partition, EventRecord record) {
        Objects.requireNonNull(record, "record");
        EventPartition p = partition(partition);
        if (store.isClosed()) {
            return CompletableFuture.failedFuture(new StoreException("the journal store is closed"));
        }
        long sequence = record.sequenceNumber();
        long previous;
        do {
            previous = p.lastAccepted.get();
            if (sequence <= previous) {
                throw new IllegalArgumentException("sequence numbers must increase: " + sequence + " after " + previous);
            }
        } while (!p.lastAccepted.compareAndSet(previous, sequence));
        EventAppend op = new EventAppend(partition, record);
        appender.submit(op);
        return op;
    }

    @Override
    public List<EventRecord> read(int partition, long fromSequence, int maxEvents) {
        return partition(partition).read(fromSequence, maxEvents);
    }

    @Override
    public EventRecord first(int partition) {
        return partition(partition).first();
    }

    @Override
    public EventRecord last(int partition) {
        return partition(partition).last();
    }

    @Override
    public long sequenceAtOffset(int partition, long offset) {
        return partition(partition).sequenceAtOffset(offset);
    }

    @Override
    public long sequenceAtTime(int partition, long epochMillis) {
        return partition(partition).sequenceAtTime(epochMillis);
    }

    @Override
    public void removeBefore(int partition, long epochMillis) {
        partition(partition).removeBefore(epochMillis);
    }

    private EventPartition partition(int partition) {
        if (partition < 0 || partition >= partitions.length) {
            throw new IllegalArgumentException("partition " + partition + " does not exist (0 to "
                    + (partitions.length - 1) + ")");
        }
        return partitions[partition];
    }
}
