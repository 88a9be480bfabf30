package io.gatehouse.core.store.memory;

import io.gatehouse.core.store.EventLog;
import io.gatehouse.core.store.EventRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;

/** D2C events kept in memory, per partition. Each partition is guarded by its own monitor. */
public final class InMemoryEventLog implements EventLog {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final List<List<EventRecord>> partitions;

    public InMemoryEventLog(int partitionCount) {
        partitions = new ArrayList<>(partitionCount);
        for (int i = 0; i < partitionCount; i++) {
            partitions.add(new ArrayList<>());
        }
    }

    @Override
    public int partitions() {
        return partitions.size();
    }

    @Override
    public CompletableFuture<Void> append(int partition, EventRecord record) {
        List<EventRecord> events = partitions.get(partition);
        synchronized (events) {
            if (!events.isEmpty() && events.get(events.size() - 1).sequenceNumber() >= record.sequenceNumber()) {
                throw new IllegalArgumentException("sequence numbers must increase: " + record.sequenceNumber());
            }
            events.add(record);
        }
        return DONE;
    }

    @Override
    public List<EventRecord> read(int partition, long fromSequence, int maxEvents) {
        List<EventRecord> events = partitions.get(partition);
        synchronized (events) {
            int from = firstIndexAtLeast(events, fromSequence, EventRecord::sequenceNumber);
            int to = Math.min(events.size(), from + maxEvents);
            return from >= to ? List.of() : List.copyOf(events.subList(from, to));
        }
    }

    @Override
    public EventRecord first(int partition) {
        List<EventRecord> events = partitions.get(partition);
        synchronized (events) {
            return events.isEmpty() ? null : events.get(0);
        }
    }

    @Override
    public EventRecord last(int partition) {
        List<EventRecord> events = partitions.get(partition);
        synchronized (events) {
            return events.isEmpty() ? null : events.get(events.size() - 1);
        }
    }

    @Override
    public long sequenceAtOffset(int partition, long offset) {
        return sequenceWhere(partition, offset, EventRecord::offset);
    }

    @Override
    public long sequenceAtTime(int partition, long epochMillis) {
        return sequenceWhere(partition, epochMillis, EventRecord::enqueuedTimeMillis);
    }

    @Override
    public void removeBefore(int partition, long epochMillis) {
        List<EventRecord> events = partitions.get(partition);
        synchronized (events) {
            int keepFrom = Math.min(firstIndexAtLeast(events, epochMillis, EventRecord::enqueuedTimeMillis),
                    events.size() - 1);
            if (keepFrom > 0) {
                events.subList(0, keepFrom).clear();
            }
        }
    }

    private long sequenceWhere(int partition, long atLeast, ToLongFunction<EventRecord> field) {
        List<EventRecord> events = partitions.get(partition);
        synchronized (events) {
            int index = firstIndexAtLeast(events, atLeast, field);
            return index < events.size() ? events.get(index).sequenceNumber() : -1;
        }
    }

    /** Binary search over a field that never decreases along the list. */
    private static int firstIndexAtLeast(List<EventRecord> events, long value, ToLongFunction<EventRecord> field) {
        int lo = 0;
        int hi = events.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (field.applyAsLong(events.get(mid)) < value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** All retained events of a partition (for tests). */
    public List<EventRecord> all(int partition) {
        List<EventRecord> events = partitions.get(partition);
        synchronized (events) {
            return Collections.unmodifiableList(new ArrayList<>(events));
        }
    }
}
