package io.gatehouse.core.queue;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.exec.Shard;
import io.gatehouse.core.exec.ShardGroup;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.ownership.DeviceOwners;
import io.gatehouse.core.ownership.OwnerCalls;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.WriteBatch;
import io.gatehouse.core.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cloud-to-device service: one {@link LifecycleQueue} per device, each owned by the shard its device
 * id hashes to. Services send; devices receive through a {@link Receiver}.
 *
 * <p>Threading: the queue map is a concurrent map (a queue may be created from any thread, atomically);
 * everything a queue does runs on its shard.
 *
 * <p>On a store that several nodes share, a node keeps only the queues of the devices it owns ({@link
 * DeviceOwnership}): a device that opens a receiver here is claimed, and its stored queue restored, before anything
 * is delivered or enqueued; a send or purge for a device that another live node owns is run there.
 */
public final class CloudToDevice {

    private final HubSettings settings;
    private final QueueSettings queueSettings;
    private final ShardGroup shards;
    private final StateStore store;
    private final Clock clock;
    private final DeviceDirectory devices;
    private final OutcomeListeners outcomes;
    private final LifecycleCounters counters = new LifecycleCounters();
    private final ReadBudget readBudget;
    private final Map<DeviceId, LifecycleQueue> queues = new ConcurrentHashMap<>();
    /** How long a node that does not own a device waits for the owner's answer to a send or purge. */
    private static final Duration CALL_ANSWER_WITHIN = Duration.ofSeconds(10);
    /**
     * Locked messages whose content may be on its way back from the store at once, hub-wide: enough to keep the
     * store's reader busy, few enough that a fleet reconnecting to its backlog does not read it all at once.
     */
    static final int READS_FOR_DELIVERIES = 4096;

    private final DeviceOwners owners;

    public CloudToDevice(HubSettings settings, ShardGroup shards, StateStore store, Clock clock,
                         DeviceDirectory devices, OutcomeListeners outcomes) {
        this.settings = settings;
        this.queueSettings = new QueueSettings(settings.c2dLockDuration(), settings.c2dMaxDeliveryCount(),
                settings.c2dMaxQueueDepth());
        this.shards = shards;
        this.store = store;
        this.clock = clock;
        this.devices = devices;
        this.outcomes = outcomes;
        this.readBudget = new ReadBudget(settings.c2dReadAheadMessages(), READS_FOR_DELIVERIES);
        this.owners = new DeviceOwners(store.ownership(), shards, new OwnedQueues());
    }

    public LifecycleCounters counters() {
        return counters;
    }

    /** Messages the queues may still read from the store ahead of delivery and for it (hub-wide). */
    public ReadBudget readBudget() {
        return readBudget;
    }

    /**
     * Enqueues a message for {@code device}; completes with its message id once durable. Fails with
     * DEVICE_NOT_FOUND, QUEUE_FULL, MESSAGE_TOO_LARGE, or INVALID_ARGUMENT for a message id that feedback
     * JSON could not carry unescaped.
     */
    public CompletableFuture<String> send(DeviceId device, C2dRequest request) {
        if (request.size() > settings.c2dMaxMessageBytes()) {
            counters.refused();
            return CompletableFuture.failedFuture(new GatewayException(ErrorCode.MESSAGE_TOO_LARGE,
                    "message of " + request.size() + " bytes exceeds the limit of " + settings.c2dMaxMessageBytes()));
        }
        String messageId = request.properties().messageId();
        if (messageId != null && !isPrintableAsciiWithoutEscapes(messageId)) {
            counters.refused();
            return CompletableFuture.failedFuture(new GatewayException(ErrorCode.INVALID_ARGUMENT,
                    "message-id must be printable ASCII without '\"' or '\\'"));
        }
        return owners.whereOwned(device, () -> OwnerCalls.send(request), CALL_ANSWER_WITHIN, () -> sendHere(device, request),
                OwnerCalls::text);
    }

    private CompletableFuture<String> sendHere(DeviceId device, C2dRequest request) {
        return shards.shardFor(device).call(() -> {
            String generationId = devices.generationOf(device);
            if (generationId == null) {
                counters.refused();
                return CompletableFuture.failedFuture(
                        new GatewayException(ErrorCode.DEVICE_NOT_FOUND, "device " + device + " does not exist"));
            }
            QueueMessage message = toQueueMessage(device, request);
            return queueOf(device, generationId).enqueue(message, new WriteBatch()).thenApply(ok -> message.messageId());
        });
    }

    /**
     * The message id comes back in feedback JSON, which the Java service SDK reads byte by byte through
     * proton's {@code Binary.toString()}: any JSON escape (quote, backslash, control or non-ASCII character)
     * would reach it as a {@code \x..} sequence and break the whole feedback message (docs/protocols.md#amqp-10).
     */
    private static boolean isPrintableAsciiWithoutEscapes(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private QueueMessage toQueueMessage(DeviceId device, C2dRequest request) {
        Instant now = clock.now();
        Instant latest = now.plus(HubSettings.MAX_EXPIRY);
        Instant expiry = request.expiry() == null ? now.plus(settings.c2dDefaultTtl())
                : request.expiry().isAfter(latest) ? latest : request.expiry();
        return new QueueMessage(completed(device, request.properties()), request.ack(), now, expiry, request.body());
    }

    /** The properties with a message id and a {@code to} (the service SDKs set both: then nothing is copied). */
    private static MessageProperties completed(DeviceId device, MessageProperties given) {
        if (given.messageId() != null && given.to() != null) {
            return given;
        }
        MessageProperties.Builder properties = given.toBuilder();
        if (given.messageId() == null) {
            properties.messageId(UUID.randomUUID().toString());
        }
        if (given.to() == null) {
            properties.to("/devices/" + device + "/messages/devicebound");
        }
        return properties.build();
    }

    /**
     * Opens a receiver on a device's queue (a device connection). The device must exist. With a shared store the
     * device is claimed for this node (if its connection has not claimed it already): its stored messages are
     * delivered once the claim is through.
     */
    public Receiver openReceiver(DeviceId device, DeliverySink sink) {
        String generationId = devices.generationOf(device);
        if (generationId == null) {
            throw new GatewayException(ErrorCode.DEVICE_NOT_FOUND, "device " + device + " does not exist");
        }
        Receiver receiver = queueOf(device, generationId).openReceiver(sink);
        owners.claim(device);
        return receiver;
    }

    /** Removes every message of a device's queue; completes with how many, once durable. */
    public CompletableFuture<Integer> purge(DeviceId device) {
        return owners.whereOwned(device, () -> OwnerCalls.purge(), CALL_ANSWER_WITHIN, () -> purgeHere(device),
                answer -> Integer.parseInt(OwnerCalls.text(answer)));
    }

    private CompletableFuture<Integer> purgeHere(DeviceId device) {
        return shards.shardFor(device).call(() -> {
            LifecycleQueue queue = queues.get(device);
            return queue == null ? CompletableFuture.completedFuture(0) : queue.purge();
        });
    }

    // ---------------------------------------------------------------- ownership (stores shared by several nodes)

    /** Which devices this node owns, and the routing of calls to the others ({@link DeviceOwners}). */
    public DeviceOwners owners() {
        return owners;
    }

    /** What this node keeps of a device it owns: its queue, restored from its rows, dropped without a write. */
    private final class OwnedQueues implements DeviceOwners.OwnedState {
        @Override
        public void restore(DeviceId device, Map<StateKey, byte[]> entries) {
            WriteBatch orphans = restoreQueue(device, StoredMessage.from(QueueKind.C2D, entries));
            if (!orphans.isEmpty()) {
                store.write(orphans);
            }
            LifecycleQueue queue = queues.get(device);
            if (queue != null) {
                queue.afterRestore();
            }
        }

        @Override
        public void drop(DeviceId device) {
            LifecycleQueue queue = queues.remove(device);
            if (queue != null) {
                queue.release();
            }
        }
    }

    /** Runs a send or purge another node placed here, on the queue this node owns; the result as the caller reads it. */
    public CompletableFuture<byte[]> run(DeviceId device, OwnerCalls.Call call) {
        if (call instanceof OwnerCalls.Call.Send send) {
            return sendHere(device, send.request()).thenApply(OwnerCalls::text);
        }
        return purgeHere(device).thenApply(count -> OwnerCalls.text(Integer.toString(count)));
    }

    /**
     * The device is gone: forget its queue at once (a device created again under the same id gets a new
     * one, even before this runs on the shard), then purge it and detach its receivers on its shard.
     */
    public CompletableFuture<Integer> deleteQueue(DeviceId device) {
        owners.forget(device);
        LifecycleQueue queue = queues.remove(device);
        return queue == null ? CompletableFuture.completedFuture(0) : shards.shardFor(device).call(queue::destroy);
    }

    /** Messages enqueued or locked for the device (from any thread; may be a moment old). */
    public int depth(DeviceId device) {
        LifecycleQueue queue = queues.get(device);
        return queue == null ? 0 : queue.depth();
    }

    public CompletableFuture<QueueStats> stats(DeviceId device) {
        return shards.shardFor(device).call(() -> {
            LifecycleQueue queue = queues.get(device);
            return CompletableFuture.completedFuture(queue == null ? QueueStats.EMPTY : queue.stats());
        });
    }

    /** A snapshot of every queue that holds messages or has receivers, by device id. */
    public CompletableFuture<Map<DeviceId, QueueStats>> allStats() {
        List<CompletableFuture<Map<DeviceId, QueueStats>>> perShard = new ArrayList<>();
        for (Shard shard : shards.all()) {
            perShard.add(CompletableFuture.supplyAsync(() -> {
                Map<DeviceId, QueueStats> result = new TreeMap<>();
                queues.forEach((id, queue) -> {
                    if (queue.shard() == shard) {
                        result.put(id, queue.stats());
                    }
                });
                return result;
            }, shard));
        }
        return CompletableFuture.allOf(perShard.toArray(CompletableFuture[]::new)).thenApply(ok -> {
            Map<DeviceId, QueueStats> all = new TreeMap<>();
            perShard.forEach(f -> all.putAll(f.join()));
            return all;
        });
    }

    /** The devices whose queues here hold messages, with how many. */
    public Map<DeviceId, Integer> depthsHeld() {
        Map<DeviceId, Integer> depths = new HashMap<>();
        queues.forEach((device, queue) -> {
            int depth = queue.depth();
            if (depth > 0) {
                depths.put(device, depth);
            }
        });
        return depths;
    }

    /** Total messages enqueued or locked over all devices. */
    public long totalDepth() {
        long total = 0;
        for (LifecycleQueue queue : queues.values()) {
            total += queue.depth();
        }
        return total;
    }

    /**
     * Restores a device's stored messages (on the device's shard; see {@link #afterRestore}), in sequence order.
     * Returns the removal of the orphans among them, messages of a device deleted before its purge was durable
     * (even if a device was created again under the same id: the generations differ), for the caller to write.
     */
    public WriteBatch restoreQueue(DeviceId device, List<StoredMessage> messages) {
        WriteBatch orphans = new WriteBatch();
        String generationId = devices.generationOf(device);
        for (StoredMessage stored : messages) {
            if (generationId == null || !generationId.equals(stored.header().ownerGeneration())) {
                orphans.andDelete(QueueKind.C2D.messageKey(device.value(), stored.sequence()));
                // a count left behind would pass to a message of a device created later under the same id
                orphans.andDelete(QueueKind.C2D.countKey(device.value(), stored.sequence()));
            } else {
                queueOf(device, generationId).restore(stored.sequence(), stored.header(), stored.deliveryCount());
            }
        }
        return orphans;
    }

    /** Recovery is complete on the calling shard: dead-letter what must be, deliver the rest. */
    public void afterRestore(Shard shard) {
        queues.values().stream().filter(q -> q.shard() == shard).forEach(LifecycleQueue::afterRestore);
    }

    public Shard shardOf(DeviceId device) {
        return shards.shardFor(device);
    }

    private LifecycleQueue queueOf(DeviceId device, String generationId) {
        return queues.computeIfAbsent(device, id -> new LifecycleQueue(id.value(), generationId, QueueKind.C2D, queueSettings,
                shards.shardFor(id), store, readBudget, outcomes.forDevice(id, generationId), counters));
    }
}
