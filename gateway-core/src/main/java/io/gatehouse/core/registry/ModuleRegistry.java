package io.gatehouse.core.registry;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.WriteBatch;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Module identities, per device. A module exists only while its device does: creating one needs the device,
 * and deleting the device deletes its modules ({@link #deviceDeleted}). Reads are lock-free; changes are
 * serialized by this registry's monitor, like the device registry's.
 */
public final class ModuleRegistry {

    private final StateStore store;
    /** Other nodes' changes, heard before a read that found nothing answers so. */
    private final RegistryCatchUp catchUp;
    private final DeviceRegistry devices;
    private final Map<DeviceId, Map<String, Module>> modules = new ConcurrentHashMap<>();

    public ModuleRegistry(StateStore store, DeviceRegistry devices) {
        this.store = store;
        this.catchUp = store::catchUp;
        this.devices = devices;
    }

    /** Loads a stored module at start (after its device, or it is an orphan that is dropped on the next write). */
    public void restore(byte[] stored) {
        Module module = ModuleCodec.decode(stored);
        modules.computeIfAbsent(module.deviceId(), d -> new ConcurrentHashMap<>()).put(module.moduleId(), module);
    }

    /**
     * Another gateway node changed the module named {@code identity} ({@code {device}/{module}}): {@code stored}
     * is its value now, or null when it was deleted. A value no newer than the one held here (the same
     * generation, no higher version) is ignored.
     */
    public synchronized void changedElsewhere(String identity, byte[] stored) {
        if (stored == null) {
            int slash = identity.indexOf('/');
            Map<String, Module> ofDevice = modules.get(DeviceId.of(identity.substring(0, slash)));
            if (ofDevice != null) {
                ofDevice.remove(identity.substring(slash + 1));
            }
            return;
        }
        Module after = ModuleCodec.decode(stored);
        Module before = get(after.deviceId(), after.moduleId()).orElse(null);
        if (before != null && before.generationId().equals(after.generationId()) && after.version() <= before.version()) {
            return;
        }
        modules.computeIfAbsent(after.deviceId(), d -> new ConcurrentHashMap<>()).put(after.moduleId(), after);
    }

    public Optional<Module> get(DeviceId device, String moduleId) {
        Map<String, Module> ofDevice = modules.get(device);
        return Optional.ofNullable(ofDevice == null ? null : ofDevice.get(moduleId));
    }

    /** {@link #get}, looking again once caught up with other nodes' changes when it finds nothing (as devices do). */
    public CompletableFuture<Optional<Module>> getLatest(DeviceId device, String moduleId) {
        return catchUp.latest(() -> get(device, moduleId), Optional::isPresent);
    }

    /** The device's modules, ordered by id; empty for an unknown device. */
    public List<Module> list(DeviceId device) {
        Map<String, Module> ofDevice = modules.get(device);
        List<Module> all = ofDevice == null ? new ArrayList<>() : new ArrayList<>(ofDevice.values());
        all.sort(Comparator.comparing(Module::moduleId));
        return all;
    }

    /**
     * Creates a module with a fresh generation id; {@code keys} null means fresh random keys, never the
     * development key source's: a module holding its device's key could sign as the device. Fails with
     * DEVICE_NOT_FOUND or MODULE_ALREADY_EXISTS.
     */
    public synchronized CompletableFuture<Module> create(DeviceId device, String moduleId, String managedBy,
                                                         SymmetricKeys keys) {
        if (devices.get(device).isEmpty()) {
            return CompletableFuture.failedFuture(deviceNotFound(device));
        }
        if (get(device, moduleId).isPresent()) {
            return CompletableFuture.failedFuture(new GatewayException(ErrorCode.MODULE_ALREADY_EXISTS,
                    "module " + moduleId + " already exists on device " + device));
        }
        Module module = new Module(device, moduleId, DeviceRegistry.newGenerationId(), DeviceRegistry.etagOf(1),
                managedBy, keys != null ? keys : SymmetricKeys.generate(), 1);
        return write(module);
    }

    /** Updates a module's keys and managedBy if {@code ifMatch} is null, {@code *} or its etag. */
    public synchronized CompletableFuture<Module> update(DeviceId device, String moduleId, String ifMatch,
                                                         String managedBy, SymmetricKeys keys) {
        Module before = get(device, moduleId).orElse(null);
        GatewayException refusal = checkPrecondition(device, moduleId, before, ifMatch);
        if (refusal != null) {
            return CompletableFuture.failedFuture(refusal);
        }
        long version = before.version() + 1;
        return write(new Module(device, moduleId, before.generationId(), DeviceRegistry.etagOf(version),
                managedBy != null ? managedBy : before.managedBy(), keys != null ? keys : before.keys(), version));
    }

    public CompletableFuture<Module> delete(DeviceId device, String moduleId, String ifMatch) {
        CompletableFuture<Void> durable;
        Module module;
        synchronized (this) {
            module = get(device, moduleId).orElse(null);
            GatewayException refusal = checkPrecondition(device, moduleId, module, ifMatch);
            if (refusal != null) {
                return CompletableFuture.failedFuture(refusal);
            }
            modules.get(device).remove(moduleId);
            durable = store.write(WriteBatch.delete(key(module)));
        }
        return durable.thenApply(ok -> module);
    }

    /**
     * Recovery: modules whose device is gone (a crash between the device's deletion and its modules') are
     * deleted; completes when that is durable.
     */
    public synchronized CompletableFuture<Void> removeOrphans() {
        WriteBatch batch = new WriteBatch();
        modules.keySet().removeIf(device -> {
            if (devices.get(device).isPresent()) {
                return false;
            }
            modules.get(device).values().forEach(m -> batch.andDelete(key(m)));
            return true;
        });
        return batch.isEmpty() ? CompletableFuture.completedFuture(null) : store.write(batch);
    }

    /** The device is gone: so are its modules. */
    public synchronized void deviceDeleted(DeviceId device) {
        Map<String, Module> gone = modules.remove(device);
        if (gone != null && !gone.isEmpty()) {
            WriteBatch batch = new WriteBatch();
            gone.values().forEach(m -> batch.andDelete(key(m)));
            store.write(batch);
        }
    }

    private CompletableFuture<Module> write(Module module) {
        modules.computeIfAbsent(module.deviceId(), d -> new ConcurrentHashMap<>()).put(module.moduleId(), module);
        return store.write(WriteBatch.put(key(module), ModuleCodec.encode(module))).thenApply(ok -> module);
    }

    private GatewayException checkPrecondition(DeviceId device, String moduleId, Module current, String ifMatch) {
        if (current == null) {
            return devices.get(device).isEmpty() ? deviceNotFound(device)
                    : new GatewayException(ErrorCode.MODULE_NOT_FOUND, "module " + moduleId + " does not exist on device " + device);
        }
        if (ifMatch != null && !ifMatch.equals("*") && !DeviceRegistry.unquote(ifMatch).equals(current.etag())) {
            return new GatewayException(ErrorCode.PRECONDITION_FAILED,
                    "etag " + ifMatch + " does not match the current etag of module " + current.identity());
        }
        return null;
    }

    private static GatewayException deviceNotFound(DeviceId device) {
        return new GatewayException(ErrorCode.DEVICE_NOT_FOUND, "device " + device + " does not exist");
    }

    /** Device ids and module ids cannot contain '/', so the owner "{device}/{module}" names one module only. */
    private static StateKey key(Module module) {
        return StateKey.of(RecordKind.MODULE, module.identity());
    }
}
