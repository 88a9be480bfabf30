package io.gatehouse.mqtt.flow;

import java.util.Arrays;

/**
 * Packet ids of PUBLISH packets sent to the device and not yet acknowledged, each with what it carries.
 * Ids cycle through 1..65535 skipping ids in use [MQTT-2.3.1-1, MQTT-2.3.1-2]; at most {@code window} are in
 * use at once. Event-loop confined.
 *
 * <p>An id lives in slot {@code id & mask} of a table twice the window's size, so a lookup is one probe and the
 * next free id is a few steps away. The table is made on the first allocation: most connected devices never
 * receive a C2D message, and an idle connection then pays nothing for it.
 */
public final class PacketIds<T> {

    private static final int MAX_ID = 65_535;

    private final int window;
    private final int mask;
    private int[] ids;
    private Object[] values;
    private int size;
    private int last;

    /** Room for {@code window} ids in use at once (1..32,768). */
    public PacketIds(int window) {
        if (window < 1 || window > (MAX_ID + 1) / 2) {
            throw new IllegalArgumentException("window must be within 1..32768: " + window);
        }
        this.window = window;
        this.mask = Integer.highestOneBit(2 * window - 1) * 2 - 1;
    }

    /** Allocates a free id for {@code value}. */
    public int allocate(T value) {
        if (size >= window) {
            throw new IllegalStateException("all " + window + " packet ids of the window are in use");
        }
        if (ids == null) {
            ids = new int[mask + 1];
            values = new Object[mask + 1];
        }
        int slot;
        do {
            last = last == MAX_ID ? 1 : last + 1;
            slot = last & mask;
        } while (ids[slot] != 0);
        ids[slot] = last;
        values[slot] = value;
        size++;
        return last;
    }

    /** Frees {@code id}; returns what it carried, or null if it was not in use. */
    @SuppressWarnings("unchecked")
    public T release(int id) {
        if (ids == null || id < 1 || id > MAX_ID) {
            return null;
        }
        int slot = id & mask;
        if (ids[slot] != id) {
            return null;
        }
        T value = (T) values[slot];
        ids[slot] = 0;
        values[slot] = null;
        size--;
        return value;
    }

    /** Frees the id that carries {@code value} (by equality); returns it, or 0 if none does. A scan: for rare paths. */
    public int releaseValue(T value) {
        if (ids == null) {
            return 0;
        }
        for (int slot = 0; slot <= mask; slot++) {
            if (ids[slot] != 0 && value.equals(values[slot])) {
                int id = ids[slot];
                release(id);
                return id;
            }
        }
        return 0;
    }

    public int size() {
        return size;
    }

    public void clear() {
        if (ids != null) {
            Arrays.fill(ids, 0);
            Arrays.fill(values, null);
        }
        size = 0;
    }
}
