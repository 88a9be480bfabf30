package io.gatehouse.core.session;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.store.BinaryReader;
import io.gatehouse.core.store.BinaryWriter;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.WriteBatch;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Durable per-device sessions (docs/protocols.md#mqtt-311: with CleanSession=0 the C2D subscription outlives the
 * connection, so delivery resumes on reconnect before any new SUBSCRIBE).
 */
public final class PersistentSessions {

    private static final int VERSION = 1;

    private final StateStore store;
    private final Map<DeviceId, DeviceSession> sessions = new ConcurrentHashMap<>();

    public PersistentSessions(StateStore store) {
        this.store = store;
    }

    public Optional<DeviceSession> get(DeviceId device) {
        return Optional.ofNullable(sessions.get(device));
    }

    public CompletableFuture<Void> put(DeviceId device, DeviceSession session) {
        if (session.equals(sessions.put(device, session))) {
            return CompletableFuture.completedFuture(null);
        }
        byte[] value = new BinaryWriter(8).writeByte(VERSION).writeByte(session.c2dSubscription().ordinal()).toByteArray();
        return store.write(WriteBatch.put(key(device), value));
    }

    public CompletableFuture<Void> remove(DeviceId device) {
        if (sessions.remove(device) == null) {
            return CompletableFuture.completedFuture(null);
        }
        return store.write(WriteBatch.delete(key(device)));
    }

    /**
     * Another node sharing the store changed (or, {@code stored} null, ended) the device's session: the device
     * connected there, and finds its session here when it connects here next.
     */
    public void changedElsewhere(DeviceId device, byte[] stored) {
        if (stored == null) {
            sessions.remove(device);
        } else {
            restore(StateKey.of(RecordKind.SESSION, device.value()), stored);
        }
    }

    /** Recovery: a stored session. */
    public void restore(StateKey key, byte[] stored) {
        BinaryReader r = new BinaryReader(stored).expectVersion(VERSION, "session");
        sessions.put(DeviceId.of(key.owner()), new DeviceSession(C2dDeliveryMode.values()[r.readByte()]));
    }

    private static StateKey key(DeviceId device) {
        return StateKey.of(RecordKind.SESSION, device.value());
    }
}
