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
import io.gatehouse.core.queue.QueueKind;
import io.gatehouse.core.queue.QueueMessage;
import io.gatehouse.core.queue.QueueMessageCodec;
import io.gatehouse.core.queue.QueueSettings;
import io.gatehouse.core.queue.ReadAheadBudget;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.WriteBatch;
import io.gatehouse.core.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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

    // shard-confined
    private final List<Pending> pending = new ArrayList<>();
    private Timer flushTimer;

    private record Pending(long id, FeedbackRecord record) {
    }

    public FeedbackService(HubSettings settings, Shard shard, StateStore store, Clock clock) {
        this.settings = settings;
        this.shard = shard;
        this.store = store;
        this.clock = clock;
        QueueSettings queueSettings = new QueueSettings(settings.feedbackLockDuration(),
                settings.feedbackMaxDeliveryCount(), Integer.MAX_VALUE);
        // feedback about feedback does not exist: a feedback message that ends just goes
        this.queue = new LifecycleQueue("", "", QueueKind.FEEDBACK, queueSettings, shard, store,
                ReadAheadBudget.ofOneQueue(), (ack, messageId, outcome, batch) -> null, counters);
    }

    public LifecycleCounters counters() {
        return counters;
    }

    /** Opens a receiver of feedback messages (a service's feedback link). */
    public Receiver openReceiver(DeliverySink sink) {
        return queue.openReceiver(sink);
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
            long id = nextRecordId.getAndIncrement();
            batch.andPut(recordKey(id), FeedbackRecordCodec.encode(record));
            return () -> shard.execute(() -> addPending(new Pending(id, record)));
        };
    }

    private void addPending(Pending record) {
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
        batchRecords.forEach(p -> consumed.andDelete(recordKey(p.id())));
        queue.enqueue(message, consumed).whenComplete((ok, failure) -> {
            if (failure != null) {
                // the records stay in the store and are batched again at the next start
                log.warn("Could not store a feedback message of {} records: {}", batchRecords.size(), failure.toString());
            }
        });
    }

    // ---------------------------------------------------------------- recovery (feedback shard)

    public Shard shard() {
        return shard;
    }

    public void restoreMessage(long sequence, QueueMessageCodec.Header header, int deliveryCount) {
        queue.restore(sequence, header, deliveryCount);
    }

    public void restoreRecord(long id, byte[] stored) {
        nextRecordId.accumulateAndGet(id + 1, Math::max);
        pending.add(new Pending(id, FeedbackRecordCodec.decode(stored)));
    }

    /** Recovery is complete: batch what was pending, deliver what is queued. */
    public void afterRestore() {
        pending.sort((a, b) -> Long.compare(a.id(), b.id()));
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

    private static StateKey recordKey(long id) {
        return StateKey.of(RecordKind.FEEDBACK_RECORD, "", id);
    }
}
