package io.gatehouse.core.registry;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.WriteBatch;
import io.gatehouse.core.time.Clock;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;

/**
 * Device identities. Reads are lock-free (authentication looks devices up on every connect); changes are
 * serialized by the registry's monitor so that the store sees them in the order they were decided.
 * Every change completes once durable. Listeners hear of a change as it is decided, in that same order:
 * a device deleted and created again at once must have the old identity's queue, connection and session
 * cleaned up before anything of the new one exists, not whenever the deletion becomes durable.
 */
public final class DeviceRegistry {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final StateStore store;
    /** Other nodes' changes, heard before a read that found nothing answers so. */
    private final RegistryCatchUp catchUp;
    private final Clock clock;
    private final KeySource keySource;
    private final Map<DeviceId, Device> devices = new ConcurrentHashMap<>();
    private final List<RegistryListener> listeners = new CopyOnWriteArrayList<>();

    public DeviceRegistry(StateStore store, Clock clock, KeySource keySource) {
        this.store = store;
        this.catchUp = store::catchUp;
        this.clock = clock;
        this.keySource = keySource;
    }

    public void addListener(RegistryListener listener) {
        listeners.add(listener);
    }

    /** Loads a stored device at start. */
    public void restore(byte[] stored) {
        Device device = DeviceCodec.decode(stored);
        devices.put(device.id(), device);
    }

    /**
     * Another gateway node changed the device: {@code stored} is its value now, or null when it was deleted.
     * The listeners act as for a change made here (a disabled device's connections close, a deleted device's
     * queue goes). A value no newer than the one held here (the same generation, no higher version) is ignored.
     */
    public void changedElsewhere(DeviceId id, byte[] stored) {
        Device before;
        Device after;
        synchronized (this) {
            before = devices.get(id);
            after = stored == null ? null : DeviceCodec.decode(stored);
            if (after == null) {
                if (before == null) {
                    return;
                }
                devices.remove(id);
                listeners.forEach(l -> l.deviceDeleted(before));
                return;
            }
            boolean sameGeneration = before != null && before.generationId().equals(after.generationId());
            if (sameGeneration && after.version() <= before.version()) {
                return;
            }
            devices.put(id, after);
            if (before == null) {
                return;
            }
            if (sameGeneration) {
                listeners.forEach(l -> l.deviceUpdated(before, after));
            } else {
                // deleted and created again elsewhere: what belonged to the old identity goes
                listeners.forEach(l -> l.deviceDeleted(before));
            }
        }
    }

    public Optional<Device> get(DeviceId id) {
        return Optional.ofNullable(devices.get(id));
    }

    /**
     * {@link #get}, which on a node sharing the store looks again, once caught up with the other nodes' registry
     * changes, when it finds nothing: a device created through another node a moment ago is found.
     */
    public CompletableFuture<Optional<Device>> getLatest(DeviceId id) {
        return catchUp.latest(() -> get(id), Optional::isPresent);
    }

    /** All devices, ordered by id. */
    public List<Device> list() {
        List<Device> all = new ArrayList<>(devices.values());
        all.sort(Comparator.comparing(Device::id));
        return all;
    }

    public int size() {
        return devices.size();
    }

    /** Creates an enabled device with the key source's keys. */
    public CompletableFuture<Device> create(DeviceId id) {
        return create(id, DeviceStatus.ENABLED, null, null);
    }

    /**
     * Creates a device with a fresh generation id; {@code keys} null means the key source's keys for it.
     * Fails with DEVICE_ALREADY_EXISTS when the id is taken.
     */
    public synchronized CompletableFuture<Device> create(DeviceId id, DeviceStatus status, String statusReason,
                                                         SymmetricKeys keys) {
        if (devices.containsKey(id)) {
            return CompletableFuture.failedFuture(
                    new GatewayException(ErrorCode.DEVICE_ALREADY_EXISTS, "device " + id + " already exists"));
        }
        Instant now = clock.now();
        Device device = new Device(id, newGenerationId(), etagOf(1), status, statusReason, now,
                keys != null ? keys : keySource.forDevice(id), 1);
        devices.put(id, device);
        return store.write(WriteBatch.put(key(id), DeviceCodec.encode(device))).thenApply(ok -> device);
    }

    /**
     * Updates a device if {@code ifMatch} is null, {@code *} or its current etag (else PRECONDITION_FAILED).
     */
    public CompletableFuture<Device> update(DeviceId id, String ifMatch, DeviceUpdate update) {
        Device before;
        Device after;
        CompletableFuture<Void> durable;
        synchronized (this) {
            before = devices.get(id);
            GatewayException refusal = checkPrecondition(id, before, ifMatch);
            if (refusal != null) {
                return CompletableFuture.failedFuture(refusal);
            }
            DeviceStatus status = update.status() != null ? update.status() : before.status();
            boolean statusChanged = status != before.status();
            long version = before.version() + 1;
            after = new Device(id, before.generationId(), etagOf(version), status,
                    update.statusReason() != null ? update.statusReason() : before.statusReason(),
                    statusChanged ? clock.now() : before.statusUpdatedTime(),
                    update.keys() != null ? update.keys() : before.keys(), version);
            devices.put(id, after);
            durable = store.write(WriteBatch.put(key(id), DeviceCodec.encode(after)));
            listeners.forEach(l -> l.deviceUpdated(before, after));
        }
        return durable.thenApply(ok -> after);
    }

    /** Deletes a device (its C2D queue is purged by the listeners) if {@code ifMatch} allows. */
    public CompletableFuture<Device> delete(DeviceId id, String ifMatch) {
        Device device;
        CompletableFuture<Void> durable;
        synchronized (this) {
            device = devices.get(id);
            GatewayException refusal = checkPrecondition(id, device, ifMatch);
            if (refusal != null) {
                return CompletableFuture.failedFuture(refusal);
            }
            devices.remove(id);
            durable = store.write(WriteBatch.delete(key(id)));
            listeners.forEach(l -> l.deviceDeleted(device));
        }
        return durable.thenApply(ok -> device);
    }

    private static GatewayException checkPrecondition(DeviceId id, Device current, String ifMatch) {
        if (current == null) {
            return new GatewayException(ErrorCode.DEVICE_NOT_FOUND, "device " + id + " does not exist");
        }
        if (ifMatch != null && !ifMatch.equals("*") && !unquote(ifMatch).equals(current.etag())) {
            return new GatewayException(ErrorCode.PRECONDITION_FAILED,
                    "etag " + ifMatch + " does not match the current etag of device " + id);
        }
        return null;
    }

    static String unquote(String etag) {
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1) : etag;
    }

    private static StateKey key(DeviceId id) {
        return StateKey.of(RecordKind.DEVICE, id.value());
    }

    /**
     * The etags of the first versions, made once: almost every device stays at its first few versions, and a string
     * of its own cost each device 56 bytes of heap.
     */
    private static final String[] FIRST_ETAGS = LongStream.range(0, 16).mapToObj(DeviceRegistry::encodeEtag)
            .toArray(String[]::new);

    /** Etags are opaque; this one is the base64 of the version, as IoT Hub's look. */
    static String etagOf(long version) {
        return version >= 0 && version < FIRST_ETAGS.length ? FIRST_ETAGS[(int) version] : encodeEtag(version);
    }

    /** {@code etag} as read back from the store: the shared string when it is the one its version gives. */
    static String sharedEtag(String etag, long version) {
        String shared = etagOf(version);
        return shared.equals(etag) ? shared : etag;
    }

    private static String encodeEtag(long version) {
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(8).putLong(version).array());
    }

    /** Generation ids look like IoT Hub's: a random 18-digit number. */
    static String newGenerationId() {
        return Long.toString(100_000_000_000_000_000L + Math.floorMod(RANDOM.nextLong(), 900_000_000_000_000_000L));
    }
}
