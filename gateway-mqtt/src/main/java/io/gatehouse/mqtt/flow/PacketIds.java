package io.gatehouse.mqtt.flow;

import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;

/**
 * Packet ids of PUBLISH packets sent to the device and not yet acknowledged, each with what it carries.
 * Ids cycle through 1..65535 skipping ids in use [MQTT-2.3.1-1, MQTT-2.3.1-2]; the caller keeps the number in
 * use far below 65535 (the in-flight window). Event-loop confined.
 */
public final class PacketIds<T> {

    private static final int MAX_ID = 65_535;

    private final IntObjectMap<T> inUse = new IntObjectHashMap<>();
    private int last;

    /** Allocates a free id for {@code value}. */
    public int allocate(T value) {
        if (inUse.size() >= MAX_ID) {
            throw new IllegalStateException("all packet ids are in use");
        }
        do {
            last = last == MAX_ID ? 1 : last + 1;
        } while (inUse.containsKey(last));
        inUse.put(last, value);
        return last;
    }

    /** Frees {@code id}; returns what it carried, or null if it was not in use. */
    public T release(int id) {
        return inUse.remove(id);
    }

    public int size() {
        return inUse.size();
    }

    public void clear() {
        inUse.clear();
    }
}
