package io.gatehouse.cluster;

import io.gatehouse.core.store.EventRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The newest events of one partition, held in memory so that Event Hubs readers at the tail are served without
 * a round trip to Kafka: the tail follower adds every event it fetches, and this node's own appends go in as
 * soon as Kafka acknowledges them when nothing another node appended can still come before them.
 *
 * <p>The window covers the offsets from {@link #start()} to {@link #end()}: every event Kafka holds in that range
 * is here, in order. It only grows at its end; when the payloads it holds would exceed its byte budget, the oldest
 * make room. A read below the window goes to Kafka; one at or past its end waits for the follower.
 *
 * <p>Payloads live off the heap, in one ring of bytes, and each event's offset, time and place in primitive
 * arrays: the window keeps tens of seconds of traffic, and as objects every one of them would be copied by
 * several young collections before it grew old. A read copies the payloads it returns.
 */
final class RecentEvents {

    private final ByteBuffer bytes;
    // the events held, oldest first, as a ring over these arrays
    private long[] offsets = new long[64];
    private long[] times = new long[64];
    private int[] positions = new int[64];
    private int[] lengths = new int[64];
    private int head;
    private int size;
    /** Where the next payload goes in {@link #bytes}, and where the oldest held one starts. */
    private int writeAt;
    private long start;
    private long end;

    /** @param from the offset the window starts (and ends) at: where the partition ended when this node opened it */
    RecentEvents(long from, long budgetBytes) {
        if (budgetBytes < 0 || budgetBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("budgetBytes must be between 0 and " + Integer.MAX_VALUE);
        }
        this.bytes = ByteBuffer.allocateDirect((int) budgetBytes);
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
            int slot = slot(i);
            byte[] payload = new byte[lengths[slot]];
            bytes.get(positions[slot], payload);
            out.add(new EventRecord(offsets[slot], offsets[slot], times[slot], payload));
        }
        return out;
    }

    private void add(EventRecord record) {
        end = record.offset() + 1;
        byte[] payload = record.payload();
        // an empty payload still takes a byte, so that no two events held share a place in the ring
        int footprint = Math.max(1, payload.length);
        if (footprint > bytes.capacity()) {
            // larger than the whole window: it holds nothing now, and readers of it go to Kafka
            clear();
            return;
        }
        int position = placeFor(footprint);
        bytes.put(position, payload);
        writeAt = position + footprint;
        if (size == offsets.length) {
            grow();
        }
        int slot = slot(size);
        offsets[slot] = record.offset();
        times[slot] = record.enqueuedTimeMillis();
        positions[slot] = position;
        lengths[slot] = payload.length;
        if (size++ == 0) {
            start = record.offset();
        }
    }

    /**
     * Where a payload of {@code length} bytes goes: after the newest, or at the ring's beginning when it does not
     * fit before the ring's end. The oldest events leave the window, in order, until the place is free.
     */
    private int placeFor(int length) {
        while (size > 0) {
            int oldest = positions[head];
            boolean wrapped = positions[slot(size - 1)] < oldest; // the newest lies before the oldest
            if (wrapped) {
                if (oldest - writeAt >= length) {
                    return writeAt;
                }
            } else if (bytes.capacity() - writeAt >= length) {
                return writeAt;
            } else if (oldest >= length) {
                return 0;
            }
            removeOldest();
        }
        return 0;
    }

    private void removeOldest() {
        head = (head + 1) % offsets.length;
        size--;
        start = size == 0 ? end : offsets[head];
    }

    private void clear() {
        head = 0;
        size = 0;
        writeAt = 0;
        start = end;
    }

    /** Doubles the arrays (only when full: then the ring's oldest entry is at {@code head} and the newest before it). */
    private void grow() {
        offsets = unrolled(offsets, new long[offsets.length * 2]);
        times = unrolled(times, new long[times.length * 2]);
        positions = unrolled(positions, new int[positions.length * 2]);
        lengths = unrolled(lengths, new int[lengths.length * 2]);
        head = 0;
    }

    /** The full ring's entries, oldest first, at the start of {@code larger}. */
    private long[] unrolled(long[] ring, long[] larger) {
        System.arraycopy(ring, head, larger, 0, ring.length - head);
        System.arraycopy(ring, 0, larger, ring.length - head, head);
        return larger;
    }

    private int[] unrolled(int[] ring, int[] larger) {
        System.arraycopy(ring, head, larger, 0, ring.length - head);
        System.arraycopy(ring, 0, larger, ring.length - head, head);
        return larger;
    }

    private int slot(int index) {
        return (head + index) % offsets.length;
    }

    /** The index of the first held event with an offset at or after {@code offset}; {@code size} when none. */
    private int firstAtOrAfter(long offset) {
        int low = 0;
        int high = size;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (offsets[slot(middle)] < offset) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }
}
