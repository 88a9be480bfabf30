package io.gatehouse.core.queue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Items kept in ascending order of their sequence number, in one array. A queue's ready messages are nearly
 * always appended at the end (a new message) or taken from the front (a delivery), and a message given back
 * goes near the front: those are O(1) here, without the per-entry nodes and boxed keys of a sorted map. Other
 * inserts and removals shift part of the array, which stays small (a queue holds at most a few thousand).
 * Not thread-safe: owned by one shard.
 */
final class SequenceQueue<T extends SequenceQueue.Sequenced> {

    /** Something with a unique, fixed sequence number. */
    interface Sequenced {
        long sequence();
    }

    private Object[] items = new Object[4];
    private int head;
    private int tail;

    int size() {
        return tail - head;
    }

    boolean isEmpty() {
        return tail == head;
    }

    /** The item with the lowest sequence, or null. */
    @SuppressWarnings("unchecked")
    T first() {
        return head == tail ? null : (T) items[head];
    }

    /** The item at {@code index} in sequence order (0 is the first). */
    @SuppressWarnings("unchecked")
    T get(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException(index);
        }
        return (T) items[head + index];
    }

    /** Adds {@code item} in sequence order; it must not be here already. */
    void add(T item) {
        long sequence = item.sequence();
        if (head == tail || sequence > sequenceAt(tail - 1)) {
            if (tail == items.length) {
                makeRoom();
            }
            items[tail++] = item;
            return;
        }
        if (sequence < sequenceAt(head) && head > 0) {
            items[--head] = item;
            return;
        }
        int at = search(sequence);
        if (at >= 0) {
            throw new IllegalStateException("sequence " + sequence + " is already queued");
        }
        int index = -at - 1;
        if (tail == items.length) {
            int shift = head;
            makeRoom();
            index -= shift;
        }
        System.arraycopy(items, index, items, index + 1, tail - index);
        items[index] = item;
        tail++;
    }

    /** Removes {@code item}; returns false when it was not here. */
    boolean remove(T item) {
        if (head == tail) {
            return false;
        }
        if (items[head] == item) {
            items[head++] = null;
            if (head == tail) {
                head = 0;
                tail = 0;
            }
            return true;
        }
        int at = search(item.sequence());
        if (at < 0) {
            return false;
        }
        System.arraycopy(items, at + 1, items, at, tail - at - 1);
        items[--tail] = null;
        return true;
    }

    /** A copy of the items, in sequence order. */
    @SuppressWarnings("unchecked")
    List<T> toList() {
        List<T> list = new ArrayList<>(size());
        for (int i = head; i < tail; i++) {
            list.add((T) items[i]);
        }
        return list;
    }

    private long sequenceAt(int index) {
        return ((Sequenced) items[index]).sequence();
    }

    /** Binary search in [head, tail): the index, or -(insertion point) - 1. */
    private int search(long sequence) {
        int lo = head;
        int hi = tail - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long found = sequenceAt(mid);
            if (found < sequence) {
                lo = mid + 1;
            } else if (found > sequence) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    /** Moves the items to the start of the array, growing it when more than half full. */
    private void makeRoom() {
        int size = size();
        Object[] target = size * 2 > items.length ? new Object[items.length * 2] : items;
        System.arraycopy(items, head, target, 0, size);
        if (target == items) {
            Arrays.fill(items, size, tail, null);
        }
        items = target;
        head = 0;
        tail = size;
    }
}
