package io.gatehouse.journal;

/**
 * One partition's part of an {@link EventFile}: what reads need without touching the file — the range of
 * sequence numbers, offsets and times the partition has there (durable records only), where its last
 * durable record ends, and a {@link SparseIndex} of its records' positions.
 */
final class EventSegment {

    final EventFile file;
    final int partition;
    final SparseIndex index = new SparseIndex();
    /** The file is sealed and every record of it applied: what the index says is final (retention may take it). */
    volatile boolean complete;
    /** End of this partition's last durable record in the file; reads never look past it. */
    volatile long durableEnd = SegmentHeader.SIZE;
    volatile long lastSequence = -1;
    volatile long lastOffset = -1;
    volatile long lastTime = Long.MIN_VALUE;
    /** Appender (or recovery) only; -1 until the first record is indexed. */
    private long lastIndexed = -1;

    EventSegment(EventFile file, int partition) {
        this.file = file;
        this.partition = partition;
    }

    /** A durable record at {@code position} (appender, or recovery): indexed when due. Not yet visible to readers. */
    void index(long sequence, long offset, long time, long position, int indexInterval) {
        // the first record always (a sentinel like Long.MIN_VALUE here would overflow the subtraction)
        if (lastIndexed < 0 || position - lastIndexed >= indexInterval) {
            index.add(sequence, position, offset, time);
            lastIndexed = position;
        }
    }

    /** Makes this partition's records up to {@code end} visible; the last of them has these coordinates. */
    void published(long sequence, long offset, long time, long end) {
        lastOffset = offset;
        lastTime = time;
        lastSequence = sequence;
        durableEnd = end;
    }

    boolean isEmpty() {
        return lastSequence < 0;
    }

    /** Where reads of this partition start in the file when no index entry is closer. */
    long firstPosition() {
        long first = index.firstPosition();
        return first < 0 ? SegmentHeader.SIZE : first;
    }

    @Override
    public String toString() {
        return file.fileName() + "#" + partition;
    }
}
