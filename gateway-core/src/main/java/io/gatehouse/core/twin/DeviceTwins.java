package io.gatehouse.core.twin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.registry.DeviceRegistry;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.WriteBatch;
import io.gatehouse.core.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The twins of all devices. A device's twin exists as long as the device (a device that never had its twin changed
 * has the fresh twin, which is not stored); it goes when the device goes. Each change is one stored entry written
 * in one batch, and its future completes when that batch is durable.
 *
 * <p>Changes to one twin are serialized by that twin's monitor, which also orders the store writes, so they become
 * durable in version order; desired-property patches are handed to the device's subscribers as each becomes
 * durable, hence in version order, and a subscription passes each version on at most once.
 */
public final class DeviceTwins {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final StateStore store;
    private final Clock clock;
    private final DeviceRegistry registry;
    private final Map<DeviceId, Slot> slots = new ConcurrentHashMap<>();

    /** One device's twin and the connections that listen to its desired properties. */
    private static final class Slot {
        Twin twin;
        final List<DesiredSubscription> subscribers = new CopyOnWriteArrayList<>();
    }

    public DeviceTwins(StateStore store, Clock clock, DeviceRegistry registry) {
        this.store = store;
        this.clock = clock;
        this.registry = registry;
    }

    /** The device's twin, or empty when the device does not exist. */
    public Optional<Twin> get(DeviceId id) {
        Optional<Device> device = registry.get(id);
        if (device.isEmpty()) {
            return Optional.empty();
        }
        Slot slot = slot(id);
        synchronized (slot) {
            return Optional.of(current(slot, device.get()));
        }
    }

    /**
     * The service's patch: tags and desired properties merged ({@code null} removes a key); either may be null.
     * Fails with DEVICE_NOT_FOUND, PRECONDITION_FAILED (etag) or INVALID_ARGUMENT (IoT Hub's limits).
     */
    public CompletableFuture<Twin> patch(DeviceId id, String ifMatch, JsonNode tags, JsonNode desired) {
        JsonNode desiredPatch = desired == null ? null : withoutSectionMetadata(desired);
        GatewayException invalid = validate(tags, desiredPatch);
        if (invalid != null) {
            return CompletableFuture.failedFuture(invalid);
        }
        return change(id, ifMatch, twin -> twin.withService(tags, desiredPatch, now()),
                (before, after) -> desiredPatch == null || desiredPatch.isEmpty() ? null
                        : new DesiredPatch(after.desired().version(), (ObjectNode) desiredPatch.deepCopy()));
    }

    /** The service's replacement of tags and desired properties (null means empty); reported properties stay. */
    public CompletableFuture<Twin> replace(DeviceId id, String ifMatch, JsonNode tags, JsonNode desired) {
        JsonNode newTags = tags == null ? JsonNodeFactory.instance.objectNode() : tags;
        JsonNode newDesired = desired == null ? JsonNodeFactory.instance.objectNode() : withoutSectionMetadata(desired);
        GatewayException invalid = validate(newTags, newDesired);
        if (invalid != null) {
            return CompletableFuture.failedFuture(invalid);
        }
        return change(id, ifMatch, twin -> twin.replacedByService(newTags, newDesired, now()),
                (before, after) -> new DesiredPatch(after.desired().version(),
                        JsonMerge.diff(before.desired().rawValues(), after.desired().rawValues())));
    }

    /** The device's patch of its reported properties. */
    public CompletableFuture<Twin> patchReported(DeviceId id, JsonNode reported) {
        JsonNode patch = withoutSectionMetadata(reported);
        GatewayException invalid = validate(null, patch, "properties.reported");
        if (invalid != null) {
            return CompletableFuture.failedFuture(invalid);
        }
        return change(id, null, twin -> twin.withReported(patch, now()), (before, after) -> null);
    }

    /**
     * Listens to the device's desired-property patches that become durable from now on (a device reads the whole
     * twin for what came before). Close it when the connection goes.
     */
    public DesiredSubscription subscribeDesired(DeviceId id, Consumer<DesiredPatch> listener) {
        Slot slot = slot(id);
        synchronized (slot) {
            Device device = registry.get(id).orElse(null);
            long current = device == null ? 0 : current(slot, device).desired().version();
            DesiredSubscription subscription = new DesiredSubscription(current, listener, slot.subscribers);
            slot.subscribers.add(subscription);
            return subscription;
        }
    }

    /** The device was deleted: its twin goes with it (the registry's listener calls this). */
    public void deleteTwin(DeviceId id) {
        Slot slot = slots.remove(id);
        if (slot != null) {
            synchronized (slot) {
                if (slot.twin != null) {
                    store.write(WriteBatch.delete(key(id)));
                }
            }
        }
    }

    /**
     * Another node sharing the store changed (or, {@code stored} null, deleted) the device's twin: take it unless this
     * node holds the same twin at the same or a later version, and pass a new desired section on to the device's
     * connections here as a replacement would be (the whole section with its new version).
     */
    public void changedElsewhere(DeviceId id, byte[] stored) {
        if (stored == null) {
            Slot slot = slots.get(id);
            if (slot != null) {
                synchronized (slot) {
                    slot.twin = null;
                }
            }
            return;
        }
        Twin after = TwinCodec.decode(id, stored);
        Slot slot = slot(id);
        DesiredPatch patch = null;
        synchronized (slot) {
            Twin before = slot.twin;
            boolean sameTwin = before != null && before.generationId().equals(after.generationId());
            if (sameTwin && after.version() <= before.version()) {
                return;
            }
            slot.twin = after;
            if (!sameTwin || after.desired().version() > before.desired().version()) {
                patch = new DesiredPatch(after.desired().version(), after.desired().values());
            }
        }
        if (patch != null) {
            DesiredPatch offered = patch;
            slot.subscribers.forEach(s -> s.offer(offered));
        }
    }

    /** Loads a stored twin at start. */
    public void restore(StateKey key, byte[] stored) {
        DeviceId id = DeviceId.of(key.owner());
        slot(id).twin = TwinCodec.decode(id, stored);
    }

    /** After recovery: twins whose device is gone (or was created again since) are deleted in {@code orphans}. */
    public void collectOrphans(WriteBatch orphans) {
        slots.forEach((id, slot) -> {
            Optional<Device> device = registry.get(id);
            if (slot.twin != null && (device.isEmpty() || !device.get().generationId().equals(slot.twin.generationId()))) {
                slots.remove(id);
                orphans.andDelete(key(id));
            }
        });
    }

    public int storedCount() {
        return (int) slots.values().stream().filter(s -> s.twin != null).count();
    }

    private static GatewayException validate(JsonNode tags, JsonNode desired) {
        return validate(tags, desired, "properties.desired");
    }

    /** The refusal of content that breaks IoT Hub's rules on keys and depth, or null. */
    private static GatewayException validate(JsonNode tags, JsonNode properties, String section) {
        try {
            if (tags != null) {
                TwinLimits.checkContent("tags", tags);
            }
            if (properties != null) {
                TwinLimits.checkContent(section, properties);
            }
            return null;
        } catch (GatewayException e) {
            return e;
        }
    }

    /** What a change tells desired-property subscribers, if anything. */
    private interface Notice {
        DesiredPatch of(Twin before, Twin after);
    }

    private CompletableFuture<Twin> change(DeviceId id, String ifMatch, UnaryOperator<Twin> change, Notice notice) {
        Device device = registry.get(id).orElse(null);
        if (device == null) {
            return CompletableFuture.failedFuture(notFound(id));
        }
        Slot slot = slot(id);
        synchronized (slot) {
            Twin before = current(slot, device);
            if (ifMatch != null && !ifMatch.equals("*") && !unquote(ifMatch).equals(before.etag())) {
                return CompletableFuture.failedFuture(new GatewayException(ErrorCode.PRECONDITION_FAILED,
                        "etag " + ifMatch + " does not match the current etag of the twin of " + id));
            }
            Twin after;
            try {
                after = change.apply(before);
                TwinLimits.checkSize("tags", after.rawTags(), TwinLimits.MAX_TAGS_BYTES);
                TwinLimits.checkSize("properties.desired", after.desired().rawValues(), TwinLimits.MAX_PROPERTIES_BYTES);
                TwinLimits.checkSize("properties.reported", after.reported().rawValues(), TwinLimits.MAX_PROPERTIES_BYTES);
            } catch (GatewayException e) {
                return CompletableFuture.failedFuture(e);
            }
            slot.twin = after;
            DesiredPatch patch = notice.of(before, after);
            // chained inside the monitor: the store completes batches in write order, so subscribers hear of
            // versions in order even when the store completes at once on this thread
            return store.write(WriteBatch.put(key(id), TwinCodec.encode(after))).thenApply(durable -> {
                if (patch != null) {
                    slot.subscribers.forEach(s -> s.offer(patch));
                }
                return after;
            });
        }
    }

    private Twin current(Slot slot, Device device) {
        if (slot.twin == null || !slot.twin.generationId().equals(device.generationId())) {
            slot.twin = Twin.fresh(device.id(), device.generationId(), format(device.statusUpdatedTime()));
        }
        return slot.twin;
    }

    private Slot slot(DeviceId id) {
        return slots.computeIfAbsent(id, d -> new Slot());
    }

    /** SDKs send a section back with the {@code $version} (and {@code $metadata}) they read: IoT Hub ignores them. */
    private static JsonNode withoutSectionMetadata(JsonNode section) {
        if (section.isObject() && (section.has("$version") || section.has("$metadata"))) {
            ObjectNode copy = section.deepCopy();
            copy.remove("$version");
            copy.remove("$metadata");
            return copy;
        }
        return section;
    }

    private String now() {
        return format(clock.now());
    }

    static String format(Instant instant) {
        return TIME.format(instant);
    }

    private static StateKey key(DeviceId id) {
        return StateKey.of(RecordKind.TWIN, id.value());
    }

    private static GatewayException notFound(DeviceId id) {
        return new GatewayException(ErrorCode.DEVICE_NOT_FOUND, "device " + id + " does not exist");
    }

    private static String unquote(String etag) {
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1) : etag;
    }
}
