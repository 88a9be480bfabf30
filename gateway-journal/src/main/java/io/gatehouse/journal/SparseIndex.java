package io.gatehouse.journal;

import java.util.Arrays;

/**
 * A few positions of one event segment: sequence number, file position, offset and enqueued time of one
 * record every so many bytes. All four grow along the segment, so a lookup is a binary search here plus a
 * short scan of the file. One writer (the appender) adds entries; readers on any thread search.
 */
final class SparseIndex {

    private static final class Columns {
        final long[] sequence;
        final long[] position;
        final long[] offset;
        final long[] time;

        Columns(int capacity) {
            sequence = new long[capacity];
            position = new long[capacity];
            offset = new long[capacity];
            time = new long[capacity];
        }

        Columns grow(int size) {
            Columns bigger = new Columns(sequence.length * 2);
            System.arraycopy(sequence, 0, bigger.sequence, 0, size);
            System.arraycopy(position, 0, bigger.position, 0, size);
            System.arraycopy(offset, 0, bigger.offset, 0, size);
            System.arraycopy(time, 0, bigger.time, 0, size);
            return bigger;
        }
    }

    /** Readers read {@link #size} first: the columns they read next hold at least that many entries. */
    private volatile Columns columns = new Columns(16);
    private volatile int size;

    /** Writer only. */
    void add(long sequence, long position, long offset, long time) {
        int n = size;
        Columns c = columns;
        if (n == c.sequence.length) {
            c = c.grow(n);
            columns = c;
        }
        c.sequence[n] = sequence;
        c.position[n] = position;
        c.offset[n] = offset;
        c.time[n] = time;
        size = n + 1;
    }

    int size() {
        return size;
    }

    /** Position of the first entry (the segment's first record: it is always indexed), or -1. */
    long firstPosition() {
        return size == 0 ? -1 : columns.position[0];
    }

    /** Position of the last entry with sequence <= {@code sequence}, or -1. */
    long floorBySequence(long sequence) {
        int n = size;
        Columns c = columns;
        int i = lastAtMost(c.sequence, n, sequence);
        return i < 0 ? -1 : c.position[i];
    }

    /** Position of the last entry with offset < {@code offset}, or -1. */
    long lastBeforeOffset(long offset) {
        if (offset == Long.MIN_VALUE) {
            return -1;
        }
        int n = size;
        Columns c = columns;
        int i = lastAtMost(c.offset, n, offset - 1);
        return i < 0 ? -1 : c.position[i];
    }

    /** Position of the last entry enqueued before {@code time}, or -1. */
    long lastBeforeTime(long time) {
        if (time == Long.MIN_VALUE) {
            return -1;
        }
        int n = size;
        Columns c = columns;
        int i = lastAtMost(c.time, n, time - 1);
        return i < 0 ? -1 : c.position[i];
    }

    /** Index of the last of the first {@code n} values that is <= {@code value}, or -1. */
    private static int lastAtMost(long[] values, int n, long value) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (values[mid] <= value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo - 1;
    }

    @Override
    public String toString() {
        int n = size;
        return "SparseIndex" + Arrays.toString(Arrays.copyOf(columns.sequence, n));
    }
}
