package io.gatehouse.cluster;

import io.gatehouse.core.store.EventRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The newest events of one partition, held in memory so that Event Hubs readers at the tail are served without
 * a round trip to Kafka: the tail follower adds every event it fetches, and this node's own appends go in as
 * soon as Kafka acknowledges them when nothing another node appended can still come before them.
 *
 * <p>The window covers the offsets from {@link #start()} to {@link #end()}: every event Kafka holds in that range
 * is here, in order. It only grows at its end; when the events it holds exceed its byte budget, the oldest make
 * room. A read below the window goes to Kafka; one at or past its end waits for the follower.
 */
final class RecentEvents {

    /** What an event costs here beyond its payload: the record, its array and this window's slot. */
    private static final int OVERHEAD_BYTES = 96;

    private final long budgetBytes;
    private EventRecord[] ring = new EventRecord[64];
    private int head;
    private int size;
    private long bytes;
    private long start;
    private long end;

    /** @param from the offset the window starts (and ends) at: where the partition ended when this node opened it */
    RecentEvents(long from, long budgetBytes) {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("budgetBytes must not be negative");
        }
        this.budgetBytes = budgetBytes;
        this.start = from;
        this.end = from;
    }

    /** The first offset the window covers: events before it must be read from Kafka. */
    synchronized long start() {
        return start;
    }

    /** One past the last offset the window covers. */
    synchronized long end() {
        return end;
    }

    /**
     * Adds events fetched in order from the window's end on; those it already holds are skipped. The follower's
     * fetches are contiguous, so the window then covers up to the last of them.
     */
    synchronized void followed(List<EventRecord> fetched) {
        for (EventRecord record : fetched) {
            if (record.offset() >= end) {
                add(record);
            }
        }
    }

    /**
     * Adds this node's own event once Kafka acknowledged it, if it is the very next offset; otherwise events of
     * other nodes may come between, and the follower brings it in its turn.
     */
    synchronized void acknowledged(EventRecord record) {
        if (record.offset() == end) {
            add(record);
        }
    }

    /**
     * Up to {@code max} events from {@code from} on, or null when the window does not hold {@code from}: it is
     * older than the window (read it from Kafka) or not followed yet (empty list).
     */
    synchronized List<EventRecord> read(long from, int max) {
        if (from < start) {
            return null;
        }
        int index = firstAtOrAfter(from);
        int count = Math.min(max, size - index);
        if (count <= 0) {
            return List.of();
        }
        List<EventRecord> out = new ArrayList<>(count);
        for (int i = index; i < index + count; i++) {
            out.add(at(i));
        }
        return out;
    }

    private void add(EventRecord record) {
        if (size == ring.length) {
            grow();
        }
        ring[(head + size) % ring.length] = record;
        size++;
        bytes += cost(record);
        end = record.offset() + 1;
        while (bytes > budgetBytes && size > 0) {
            EventRecord oldest = ring[head];
            ring[head] = null;
            head = (head + 1) % ring.length;
            size--;
            bytes -= cost(oldest);
            start = size == 0 ? end : ring[head].offset();
        }
    }

    private void grow() {
        EventRecord[] larger = new EventRecord[ring.length * 2];
        for (int i = 0; i < size; i++) {
            larger[i] = at(i);
        }
        Arrays.fill(ring, null);
        ring = larger;
        head = 0;
    }

    private EventRecord at(int index) {
        return ring[(head + index) % ring.length];
    }

    /** The index of the first held event with an offset at or after {@code offset}; {@code size} when none. */
    private int firstAtOrAfter(long offset) {
        int low = 0;
        int high = size;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (at(middle).offset() < offset) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    private static long cost(EventRecord record) {
        return record.payload().length + OVERHEAD_BYTES;
    }
}
