package io.gatehouse.core.feedback;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.exec.Shard;
import io.gatehouse.core.exec.Timer;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.DeliverySink;
import io.gatehouse.core.queue.LifecycleCounters;
import io.gatehouse.core.queue.LifecycleQueue;
import io.gatehouse.core.queue.OutcomeListeners;
import io.gatehouse.core.queue.PolledInbox;
import io.gatehouse.core.queue.QueueKind;
import io.gatehouse.core.queue.QueueMessage;
import io.gatehouse.core.queue.QueueMessageCodec;
import io.gatehouse.core.queue.QueueSettings;
import io.gatehouse.core.queue.ReadBudget;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.queue.StoredMessage;
import io.gatehouse.core.store.DeviceOwnership;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.WriteBatch;
import io.gatehouse.core.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery feedback (docs/messaging.md#delivery-feedback). When a C2D message that asked for feedback ends, a record is written in the
 * same atomic batch as the message's removal, so an outcome is never lost between the two. Records wait on
 * the feedback shard for the batch window (or until a message is full), then become one feedback message in
 * the feedback queue, which has the C2D lifecycle under the feedback settings. Creating that message and
 * deleting its pending records is again one batch.
 *
 * <p>On a store that several nodes share, one node owns the feedback queue ({@link DeviceOwnership#placeFeedback}):
 * the node where a feedback receiver opened while no live node owned it, or that took the queue over from a node that
 * stopped. A receiver opened on another node is served by the owner ({@link FeedbackReceiver}), so receivers on
 * several nodes compete for the messages as on one node. Every node writes the records of the messages its devices
 * settle under a tag of its own; the owner batches its own records as they come and collects the other nodes' every
 * batch window.
 */
public final class FeedbackService implements OutcomeListeners {

    public static final String CONTENT_TYPE = "application/vnd.microsoft.iothub.feedback.json";
    public static final String ADDRESS = "/messages/servicebound/feedback";
    private static final Logger log = LoggerFactory.getLogger(FeedbackService.class);

    private final HubSettings settings;
    private final Shard shard;
    private final StateStore store;
    private final Clock clock;
    private final LifecycleQueue queue;
    private final LifecycleCounters counters = new LifecycleCounters();
    private final AtomicLong nextRecordId = new AtomicLong();
    private final DeviceOwnership ownership;
    private final String recordTag;

    // shard-confined
    private final List<Pending> pending = new ArrayList<>();
    /** The records pending or being made into a feedback message: a collection must not take them twice. */
    private final Set<StateKey> batching = new HashSet<>();
    private Timer flushTimer;
    /** This node owns the feedback queue (always, on a store of one node). */
    private boolean owned;
    private Timer collectTimer;
    /** Receivers opened here while nodes share the store: each receives here or from the owner, as the queue moves. */
    private final List<FeedbackReceiver> receivers = new ArrayList<>();
    /** The owner's inbox serving the receivers of other nodes; null while none polls. */
    private PolledInbox inboxForOtherNodes;
    /** How receivers here reach the owner when another node owns the queue (nodes sharing the store only). */
    private volatile FeedbackOwner owner;

    private record Pending(StateKey key, FeedbackRecord record) {
    }

    public FeedbackService(HubSettings settings, Shard shard, StateStore store, Clock clock) {
        this.settings = settings;
        this.shard = shard;
        this.store = store;
        this.clock = clock;
        this.ownership = store.ownership();
        this.recordTag = ownership.recordTag();
        this.owned = ownership.ownsEveryDevice();
        QueueSettings queueSettings = new QueueSettings(settings.feedbackLockDuration(),
                settings.feedbackMaxDeliveryCount(), Integer.MAX_VALUE);
        // feedback about feedback does not exist: a feedback message that ends just goes
        this.queue = new LifecycleQueue("", "", QueueKind.FEEDBACK, queueSettings, shard, store,
                ReadBudget.ofOneQueue(), (ack, messageId, outcome, batch) -> null, counters);
    }

    public LifecycleCounters counters() {
        return counters;
    }

    /**
     * Opens a receiver of feedback messages (a service's feedback link). On a shared store it receives here while this
     * node owns the feedback queue, and from the owning node otherwise; it claims the queue for this node when no
     * live node owns it.
     */
    public Receiver openReceiver(DeliverySink sink) {
        if (ownership.ownsEveryDevice()) {
            return queue.openReceiver(sink);
        }
        FeedbackReceiver receiver = new FeedbackReceiver(this, owner, shard, sink);
        shard.execute(() -> {
            receivers.add(receiver);
            if (owned) {
                receiver.receiveHere();
            } else {
                receiver.receiveThere();
            }
        });
        return receiver;
    }

    /** How this node's receivers reach the node owning the feedback queue (set once, before any receiver opens). */
    public void reachOwnerThrough(FeedbackOwner owner) {
        this.owner = owner;
    }

    Receiver openLocalReceiver(DeliverySink sink) {
        return queue.openReceiver(sink);
    }

    void receiverClosed(FeedbackReceiver receiver) {
        receivers.remove(receiver);
    }

    /**
     * The owner's side of a take or settlement by another node's receiver (shard thread): the inbox that holds their
     * locks here, or empty when this node does not own the queue.
     */
    public Optional<PolledInbox> inboxForOtherNodes() {
        shard.assertInShard();
        if (!owned) {
            return Optional.empty();
        }
        if (inboxForOtherNodes == null) {
            inboxForOtherNodes = new PolledInbox("the feedback queue", queue::openReceiver,
                    retired -> shard.execute(() -> {
                        if (inboxForOtherNodes == retired) {
                            inboxForOtherNodes = null;
                        }
                    }), PolledInbox.DELIVERY_WAIT);
        }
        return Optional.of(inboxForOtherNodes);
    }

    /** This node owns the feedback queue now, with its stored entries (shard thread): restore and start collecting. */
    public void adopt(Map<StateKey, byte[]> entries) {
        shard.assertInShard();
        if (owned) {
            return;
        }
        owned = true;
        for (StoredMessage message : StoredMessage.from(QueueKind.FEEDBACK, entries)) {
            queue.restore(message.sequence(), message.header(), message.deliveryCount());
        }
        entries.forEach((key, value) -> {
            if (key.kind() == RecordKind.FEEDBACK_RECORD) {
                restoreRecord(key, value);
            }
        });
        afterRestore();
        collectTimer = shard.schedule(clock.millis() + collectEveryMillis(), this::collect);
        List.copyOf(receivers).forEach(FeedbackReceiver::receiveHere);
    }

    /** Another node owns the feedback queue now: forget it here without writing (shard thread). */
    public void release() {
        shard.assertInShard();
        owned = false;
        pending.clear();
        batching.clear();
        cancel(flushTimer);
        flushTimer = null;
        cancel(collectTimer);
        collectTimer = null;
        inboxForOtherNodes = null;
        queue.release(); // closes the receivers of the queue here, the inbox's too
        List.copyOf(receivers).forEach(FeedbackReceiver::receiveThere);
    }

    /** The owner takes the records other nodes stored, once per batch window (at least a second apart). */
    private void collect() {
        collectTimer = null;
        ownership.feedbackRecords().whenComplete((records, failure) -> shard.execute(() -> {
            if (!owned) {
                return;
            }
            if (records != null) {
                new TreeMap<>(records).forEach((key, value) -> {
                    if (!batching.contains(key)) {
                        addPending(new Pending(key, FeedbackRecordCodec.decode(value)));
                    }
                });
            }
            collectTimer = shard.schedule(clock.millis() + collectEveryMillis(), this::collect);
        }));
    }

    private long collectEveryMillis() {
        return Math.max(1000, settings.feedbackBatchWindow().toMillis());
    }

    private static void cancel(Timer timer) {
        if (timer != null) {
            timer.cancel();
        }
    }

    /** Feedback messages waiting or locked. */
    public int depth() {
        return queue.depth();
    }

    @Override
    public LifecycleQueue.EndListener forDevice(DeviceId device, String generationId) {
        return (ack, messageId, outcome, batch) -> {
            if (!ack.wantsFeedbackFor(outcome.feedbackStatus())) {
                return null;
            }
            FeedbackRecord record = new FeedbackRecord(messageId, clock.now(), outcome.feedbackStatus(),
                    device.value(), generationId);
            StateKey key = StateKey.of(RecordKind.FEEDBACK_RECORD, recordTag, nextRecordId.getAndIncrement());
            batch.andPut(key, FeedbackRecordCodec.encode(record));
            // a node that does not own the feedback queue leaves the record to the owner's collection
            return () -> shard.execute(() -> {
                if (owned) {
                    addPending(new Pending(key, record));
                }
            });
        };
    }

    private void addPending(Pending record) {
        batching.add(record.key());
        pending.add(record);
        if (pending.size() >= settings.feedbackMaxRecordsPerMessage()) {
            flush();
        } else if (flushTimer == null) {
            flushTimer = shard.schedule(clock.millis() + settings.feedbackBatchWindow().toMillis(), this::flush);
        }
    }

    /** Turns the pending records into one feedback message. */
    private void flush() {
        if (flushTimer != null) {
            flushTimer.cancel();
            flushTimer = null;
        }
        if (pending.isEmpty()) {
            return;
        }
        List<Pending> batchRecords = List.copyOf(pending);
        pending.clear();
        Instant now = clock.now();
        MessageProperties properties = MessageProperties.builder()
                .messageId(UUID.randomUUID().toString())
                .userId(settings.hubName())
                .to(ADDRESS)
                .contentType(CONTENT_TYPE)
                .contentEncoding("utf-8")
                .build();
        byte[] body = FeedbackJson.encode(batchRecords.stream().map(Pending::record).toList());
        QueueMessage message = new QueueMessage(properties, AckMode.NONE, now, now.plus(settings.feedbackTtl()), body);
        WriteBatch consumed = new WriteBatch();
        batchRecords.forEach(p -> consumed.andDelete(p.key()));
        queue.enqueue(message, consumed).whenComplete((ok, failure) -> {
            if (failure != null) {
                // the records stay in the store and are batched again at the next start (or collection)
                log.warn("Could not store a feedback message of {} records: {}", batchRecords.size(), failure.toString());
            }
            shard.execute(() -> batchRecords.forEach(p -> batching.remove(p.key())));
        });
    }

    // ---------------------------------------------------------------- recovery (feedback shard)

    public Shard shard() {
        return shard;
    }

    public void restoreMessage(long sequence, QueueMessageCodec.Header header, int deliveryCount) {
        queue.restore(sequence, header, deliveryCount);
    }

    /** A stored record, pending again (recovery, or a claim of the feedback queue). */
    public void restoreRecord(StateKey key, byte[] stored) {
        if (key.owner().equals(recordTag)) {
            nextRecordId.accumulateAndGet(key.id() + 1, Math::max);
        }
        batching.add(key);
        pending.add(new Pending(key, FeedbackRecordCodec.decode(stored)));
    }

    /** Recovery is complete: batch what was pending, deliver what is queued. */
    public void afterRestore() {
        pending.sort((a, b) -> a.key().compareTo(b.key()));
        queue.afterRestore();
        while (!pending.isEmpty()) {
            List<Pending> all = new ArrayList<>(pending);
            pending.clear();
            int max = settings.feedbackMaxRecordsPerMessage();
            pending.addAll(all.subList(0, Math.min(max, all.size())));
            flush();
            pending.addAll(all.subList(Math.min(max, all.size()), all.size()));
        }
    }
}
