package io.gatehouse.core.queue;

import io.gatehouse.core.exec.Shard;
import io.gatehouse.core.exec.Timer;
import java.util.function.Consumer;

/**
 * Items that time out in the order they were added, under one shard timer armed for the first of them. Every
 * lock of a queue lasts as long as the others, so its deadline is never earlier than those of the locks taken
 * before it: a doubly linked list (adding at the end and removing from anywhere are O(1)) does the work of a
 * timer per lock, which cost more heap than the rest of the lock. A deadline that would come before the last
 * one (the clock stepped back) is moved up to it, so the order always holds. The timer is not re-armed when its
 * item leaves early: it fires, finds nothing due and waits for the new first item. Not thread-safe: owned by one
 * shard.
 */
final class TimeoutList<T extends TimeoutList.Node<T>> {

    /**
     * What an item carries to be in a list; an item is in at most one list at a time. The fields belong to the
     * list (package access only because a type variable cannot reach private ones).
     */
    abstract static class Node<T extends Node<T>> {
        long deadline;
        T previous;
        T next;
        boolean listed;

        /** When the item times out, in the shard clock's milliseconds. */
        final long deadline() {
            return deadline;
        }
    }

    private final Shard shard;
    private final Consumer<T> onTimeout;
    private T first;
    private T last;
    private Timer timer;
    private boolean firing;

    TimeoutList(Shard shard, Consumer<T> onTimeout) {
        this.shard = shard;
        this.onTimeout = onTimeout;
    }

    /** Adds {@code item} to time out at {@code deadline}, or at the last item's deadline if that is later. */
    void add(T item, long deadline) {
        if (item.listed) {
            throw new IllegalStateException("already listed");
        }
        item.deadline = last == null ? deadline : Math.max(deadline, last.deadline);
        item.previous = last;
        item.next = null;
        item.listed = true;
        if (last == null) {
            first = item;
        } else {
            last.next = item;
        }
        last = item;
        arm();
    }

    /** Takes {@code item} out (it will not time out); nothing happens if it is not listed. */
    void remove(T item) {
        if (!item.listed) {
            return;
        }
        T previous = item.previous;
        T next = item.next;
        if (previous == null) {
            first = next;
        } else {
            previous.next = next;
        }
        if (next == null) {
            last = previous;
        } else {
            next.previous = previous;
        }
        item.previous = null;
        item.next = null;
        item.listed = false;
        if (first == null && timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    boolean isEmpty() {
        return first == null;
    }

    private void arm() {
        if (timer == null && first != null && !firing) {
            timer = shard.schedule(first.deadline, this::fire);
        }
    }

    /** Times out, in order, every item whose deadline has come; then waits for the next one. */
    private void fire() {
        timer = null;
        firing = true;
        try {
            long now = shard.clock().millis();
            T due;
            while ((due = first) != null && due.deadline <= now) {
                remove(due);
                onTimeout.accept(due);
            }
        } finally {
            firing = false;
            arm();
        }
    }
}
