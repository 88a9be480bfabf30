package io.gatehouse.core;

import io.gatehouse.core.exec.Shard;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.queue.QueueKind;
import io.gatehouse.core.queue.QueueMessageCodec;
import io.gatehouse.core.queue.StoredMessage;
import io.gatehouse.core.store.DeviceOwnership;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.WriteBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the core from the store's live entries: identities first, then the feedback queue, then each C2D
 * queue on its own shard, then the delivery rules that recovery implies (locks are not stored, so locked
 * messages come back ENQUEUED; expired ones and those at their delivery limit are dead-lettered, with
 * feedback). Entries that lost their owner in a crash (a delivery count without its message, a message of a
 * deleted device) are removed. Queued messages are restored from their headers: their content stays in the store
 * until a receiver needs it, so a large backlog costs no bodies in the heap at start.
 */
final class Recovery {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    /** A stored queue message, by its header only: its content stays in the store until it is delivered. */
    private record Stored(long sequence, QueueMessageCodec.Header header) {
    }

    private final GatewayCore core;
    private final Map<DeviceId, List<Stored>> c2dMessages = new HashMap<>();
    private final Map<StateKey, Integer> c2dCounts = new HashMap<>();
    private final List<Stored> feedbackMessages = new ArrayList<>();
    private final Map<StateKey, Integer> feedbackCounts = new HashMap<>();
    private final Map<StateKey, byte[]> feedbackRecords = new LinkedHashMap<>();
    private final WriteBatch orphans = new WriteBatch();

    private final boolean ownsEverything;

    Recovery(GatewayCore core) {
        this.core = core;
        this.ownsEverything = core.store().state().ownership().ownsEveryDevice();
    }

    /**
     * One live entry from the store. With a store that several nodes share, queues (C2D and feedback) are restored
     * only when this node claims or takes them over, not at start.
     */
    void accept(StateKey key, byte[] value) {
        if (!ownsEverything && isQueueEntry(key)) {
            return;
        }
        switch (key.kind()) {
            case DEVICE -> core.registry().restore(value);
            case MODULE -> core.modules().restore(value);
            case ACCESS_POLICY -> core.policies().restore(value);
            case SESSION -> core.sessions().restore(key, value);
            case CHECKPOINT -> core.events().restoreCheckpoint(value);
            case C2D_MESSAGE -> c2dMessages.computeIfAbsent(DeviceId.of(key.owner()), d -> new ArrayList<>())
                    .add(new Stored(key.id(), QueueMessageCodec.decodeHeader(value)));
            case C2D_DELIVERY_COUNT -> c2dCounts.put(key, QueueMessageCodec.decodeCount(value));
            case FEEDBACK_MESSAGE -> feedbackMessages.add(new Stored(key.id(), QueueMessageCodec.decodeHeader(value)));
            case FEEDBACK_DELIVERY_COUNT -> feedbackCounts.put(key, QueueMessageCodec.decodeCount(value));
            case FEEDBACK_RECORD -> feedbackRecords.put(key, value);
            case TWIN -> core.twins().restore(key, value);
        }
    }

    /** C2D and feedback messages, their counts, and feedback records: what the owner of a queue restores. */
    private static boolean isQueueEntry(StateKey key) {
        return DeviceOwnership.ownerOf(key) != null || key.kind() == RecordKind.FEEDBACK_RECORD;
    }

    void restore() {
        // feedback first: the C2D queues' recovery dead-letters messages, and the feedback that produces must be
        // numbered after the stored feedback messages and records, not written over them
        core.runOn(core.feedback().shard(), () -> {
            for (Stored stored : feedbackMessages) {
                StateKey countKey = QueueKind.FEEDBACK.countKey("", stored.sequence());
                core.feedback().restoreMessage(stored.sequence(), stored.header(), countOf(feedbackCounts, countKey));
            }
            feedbackRecords.forEach(core.feedback()::restoreRecord);
            core.feedback().afterRestore();
        });
        Map<Shard, List<Runnable>> perShard = new LinkedHashMap<>();
        c2dMessages.forEach((device, messages) -> perShard
                .computeIfAbsent(core.c2d().shardOf(device), s -> new ArrayList<>())
                .add(() -> restoreQueue(device, messages)));
        perShard.forEach((shard, tasks) -> core.runOn(shard, () -> {
            tasks.forEach(Runnable::run);
            core.c2d().afterRestore(shard);
        }));
        core.twins().collectOrphans(orphans);
        c2dCounts.keySet().forEach(orphans::andDelete);
        feedbackCounts.keySet().forEach(orphans::andDelete);
        if (!orphans.isEmpty()) {
            log.info("Removing {} stored entries left without their owner by an earlier crash", orphans.size());
            core.store().state().write(orphans).join();
        }
    }

    private void restoreQueue(DeviceId device, List<Stored> messages) {
        // the store visits entries in no particular order; queues take them fastest in order
        messages.sort((a, b) -> Long.compare(a.sequence(), b.sequence()));
        List<StoredMessage> counted = new ArrayList<>(messages.size());
        for (Stored stored : messages) {
            StateKey countKey = QueueKind.C2D.countKey(device.value(), stored.sequence());
            counted.add(new StoredMessage(stored.sequence(), stored.header(), countOf(c2dCounts, countKey)));
        }
        WriteBatch removed = core.c2d().restoreQueue(device, counted);
        if (!removed.isEmpty()) {
            synchronized (orphans) {
                removed.ops().forEach(op -> orphans.andDelete(op.key()));
            }
        }
    }

    /** The delivery count of a message; taken out of the map so that what remains are orphans. */
    private static int countOf(Map<StateKey, Integer> counts, StateKey key) {
        synchronized (counts) {
            Integer count = counts.remove(key);
            return count == null ? 0 : count;
        }
    }
}
