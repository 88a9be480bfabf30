package io.gatehouse.core.exec;

import java.util.Arrays;

/**
 * A binary min-heap of timers ordered by deadline (ties in scheduling order). Each timer knows its slot,
 * so cancelling is O(log n) and a cancelled timer never lingers: with one lock timer per delivery and most
 * locks settled long before they expire, lazy deletion would let the heap grow with the message rate.
 * Confined to one shard thread.
 */
final class TimerHeap {

    private Timer[] heap = new Timer[64];
    private int size;
    private long nextSequence;

    Timer add(long deadline, Runnable task) {
        Timer timer = new Timer(this, deadline, nextSequence++, task);
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = timer;
        timer.heapIndex = size;
        size++;
        siftUp(timer.heapIndex);
        return timer;
    }

    void remove(Timer timer) {
        int index = timer.heapIndex;
        if (index < 0) {
            return;
        }
        timer.heapIndex = -1;
        size--;
        if (index == size) {
            heap[size] = null;
            return;
        }
        Timer last = heap[size];
        heap[size] = null;
        heap[index] = last;
        last.heapIndex = index;
        siftDown(index);
        if (last.heapIndex == index) {
            siftUp(index);
        }
    }

    /** The earliest deadline, or {@link Long#MAX_VALUE} when no timer is pending. */
    long nextDeadline() {
        return size == 0 ? Long.MAX_VALUE : heap[0].deadline;
    }

    /** Removes and returns the earliest timer if it is due at {@code now}, else null. */
    Timer pollDue(long now) {
        if (size == 0 || heap[0].deadline > now) {
            return null;
        }
        Timer first = heap[0];
        remove(first);
        return first;
    }

    int size() {
        return size;
    }

    private void siftUp(int index) {
        Timer timer = heap[index];
        while (index > 0) {
            int parent = (index - 1) >>> 1;
            if (heap[parent].compareTo(timer) <= 0) {
                break;
            }
            place(heap[parent], index);
            index = parent;
        }
        place(timer, index);
    }

    private void siftDown(int index) {
        Timer timer = heap[index];
        int half = size >>> 1;
        while (index < half) {
            int child = 2 * index + 1;
            int right = child + 1;
            if (right < size && heap[right].compareTo(heap[child]) < 0) {
                child = right;
            }
            if (timer.compareTo(heap[child]) <= 0) {
                break;
            }
            place(heap[child], index);
            index = child;
        }
        place(timer, index);
    }

    private void place(Timer timer, int index) {
        heap[index] = timer;
        timer.heapIndex = index;
    }
}
