package io.gatehouse.core.queue;

import io.gatehouse.core.model.LockToken;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A queue's locks by their token: an open-addressing table (linear probing, at most half full) of the locks
 * themselves. A {@code HashMap} spent a 32-byte node on every delivery in flight, and a table even on queues
 * that never lock anything; this one has no array until the first lock. Not thread-safe: owned by one shard.
 */
final class TokenTable<T> {

    private static final int FIRST_CAPACITY = 8;

    private final Function<T, LockToken> tokenOf;
    private Object[] slots;
    private int size;

    TokenTable(Function<T, LockToken> tokenOf) {
        this.tokenOf = tokenOf;
    }

    int size() {
        return size;
    }

    /** The item with {@code token}, or null. */
    T get(LockToken token) {
        int i = slotOf(token);
        return i < 0 ? null : item(i);
    }

    /** Adds {@code item}, whose token must not be in the table yet. */
    void add(T item) {
        if (slots == null) {
            slots = new Object[FIRST_CAPACITY];
        } else if (2 * (size + 1) > slots.length) {
            resize(slots.length * 2);
        }
        insert(slots, item);
        size++;
    }

    /** Removes the item with {@code token}; nothing happens if there is none. */
    void remove(LockToken token) {
        int i = slotOf(token);
        if (i < 0) {
            return;
        }
        int mask = slots.length - 1;
        // backward shift: move up every item after the hole that may not stay past it, so no probe stops early
        int hole = i;
        for (int j = (i + 1) & mask; slots[j] != null; j = (j + 1) & mask) {
            int home = indexOf(tokenOf.apply(item(j)), mask);
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                slots[hole] = slots[j];
                hole = j;
            }
        }
        slots[hole] = null;
        if (--size == 0) {
            slots = null; // an idle queue keeps no array
        }
    }

    /** Every item, in no particular order. */
    List<T> toList() {
        List<T> all = new ArrayList<>(size);
        if (slots != null) {
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] != null) {
                    all.add(item(i));
                }
            }
        }
        return all;
    }

    /** The slot holding the item with {@code token}, or -1. */
    private int slotOf(LockToken token) {
        if (slots == null) {
            return -1;
        }
        int mask = slots.length - 1;
        for (int i = indexOf(token, mask); slots[i] != null; i = (i + 1) & mask) {
            if (tokenOf.apply(item(i)).equals(token)) {
                return i;
            }
        }
        return -1;
    }

    @SuppressWarnings("unchecked")
    private T item(int i) {
        return (T) slots[i];
    }

    private void resize(int capacity) {
        Object[] bigger = new Object[capacity];
        for (Object item : slots) {
            if (item != null) {
                @SuppressWarnings("unchecked")
                T t = (T) item;
                insert(bigger, t);
            }
        }
        slots = bigger;
    }

    private void insert(Object[] table, T item) {
        int mask = table.length - 1;
        int i = indexOf(tokenOf.apply(item), mask);
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = item;
    }

    /** The low half of a token is a counter: a multiplicative hash spreads consecutive ones over the table. */
    private static int indexOf(LockToken token, int mask) {
        long mixed = (token.low() ^ token.high()) * 0x9E3779B97F4A7C15L;
        return (int) (mixed >>> 32) & mask;
    }
}
