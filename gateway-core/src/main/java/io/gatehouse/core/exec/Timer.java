package io.gatehouse.core.exec;

/** A pending timer on a shard. Cancelling is cheap and idempotent; it must happen on the owning shard. */
public final class Timer implements Comparable<Timer> {

    final long deadline;
    final long sequence;
    final Runnable task;
    int heapIndex = -1;
    private final TimerHeap heap;

    Timer(TimerHeap heap, long deadline, long sequence, Runnable task) {
        this.heap = heap;
        this.deadline = deadline;
        this.sequence = sequence;
        this.task = task;
    }

    public long deadline() {
        return deadline;
    }

    public void cancel() {
        heap.remove(this);
    }

    public boolean isPending() {
        return heapIndex >= 0;
    }

    @Override
    public int compareTo(Timer other) {
        int byDeadline = Long.compare(deadline, other.deadline);
        return byDeadline != 0 ? byDeadline : Long.compare(sequence, other.sequence);
    }
}
