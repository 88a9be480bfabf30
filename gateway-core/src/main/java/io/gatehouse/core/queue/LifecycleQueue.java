package io.gatehouse.core.queue;

import io.gatehouse.core.exec.Shard;
import io.gatehouse.core.exec.Timer;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.WriteBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One queue with the C2D lifecycle of docs/messaging.md#the-lifecycle: ENQUEUED → (receive) → INVISIBLE (locked) →
 * complete / abandon / reject / lock timeout; expiry and the delivery limit dead-letter; purge removes.
 *
 * <p>Threading: every field is confined to the owning {@link Shard}; public entry points hop onto it.
 * Nothing here blocks: store writes return futures, and their completions hop back to the shard.
 *
 * <p>Rules this class keeps:
 * <ul>
 *   <li>ENQUEUED messages are offered in sequence (enqueue) order; an abandoned or timed-out message keeps
 *       its sequence, so it is offered again ahead of every message enqueued after it.</li>
 *   <li>Each ENQUEUED → INVISIBLE transition counts one delivery, and the count is durable before the
 *       receiver sees the message; a delivery taken back before that (count write failed, lock timed out or
 *       receiver gone meanwhile) does not count. A message whose count has reached the limit is dead-lettered
 *       when it would return to ENQUEUED (abandon, lock timeout, receiver gone, recovery).</li>
 *   <li>A lock is only ever settled by the receiver holding it, with its current token.</li>
 *   <li>A message ends exactly once; its removal (and any feedback it causes, via {@link EndListener}) is
 *       written in one atomic batch.</li>
 * </ul>
 */
public final class LifecycleQueue {

    /** Told when a message ends; may add records to the removal batch. */
    public interface EndListener {
        /**
         * Called on the shard as {@code message} ends with {@code outcome}; may add to {@code batch}. Returns
         * work to run once the batch is durable, or null.
         */
        Runnable onEnd(QueueMessage message, Outcome outcome, WriteBatch batch);
    }

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final String owner;
    /** The owning identity's generation, stored with each message ("" for the feedback queue). */
    private final String ownerGeneration;
    private final QueueKind kind;
    private final QueueSettings settings;
    private final Shard shard;
    private final StateStore store;
    private final EndListener endListener;
    private final LifecycleCounters counters;

    private final SequenceQueue<Entry> ready = new SequenceQueue<>();
    private final Map<LockToken, Entry> locked = new HashMap<>();
    private final List<ReceiverImpl> receivers = new ArrayList<>(1);
    private int roundRobin;
    private long nextSequence;
    private volatile int depth;

    public LifecycleQueue(String owner, String ownerGeneration, QueueKind kind, QueueSettings settings, Shard shard,
                          StateStore store,
                   EndListener endListener, LifecycleCounters counters) {
        this.owner = owner;
        this.ownerGeneration = ownerGeneration;
        this.kind = kind;
        this.settings = settings;
        this.shard = shard;
        this.store = store;
        this.endListener = endListener;
        this.counters = counters;
    }

    /** Messages enqueued or locked; readable from any thread. */
    public int depth() {
        return depth;
    }

    public Shard shard() {
        return shard;
    }

    /** True when the queue holds nothing and nobody listens: it may be dropped. */
    public boolean isIdle() {
        return depth == 0 && receivers.isEmpty();
    }

    public QueueStats stats() {
        return new QueueStats(ready.size(), locked.size(), receivers.size());
    }

    // ---------------------------------------------------------------- enqueue and recovery

    /**
     * Adds a message (shard thread). Fails with QUEUE_FULL when the queue is at its depth limit. {@code extra}
     * is written in the same atomic batch as the message.
     */
    public CompletableFuture<Void> enqueue(QueueMessage message, WriteBatch extra) {
        shard.assertInShard();
        if (depth >= settings.maxDepth()) {
            counters.refused();
            return CompletableFuture.failedFuture(new GatewayException(ErrorCode.QUEUE_FULL,
                    "the queue of " + describeOwner() + " is full (" + settings.maxDepth() + " messages)"));
        }
        Entry entry = add(nextSequence++, message, 0);
        counters.enqueued();
        WriteBatch batch = extra.andPut(kind.messageKey(owner, entry.sequence), QueueMessageCodec.encode(message, ownerGeneration));
        CompletableFuture<Void> durable = store.write(batch);
        durable.whenComplete((ok, failure) -> {
            if (failure != null) {
                // the sender is told the message was refused; it must not be delivered either
                shard.execute(() -> discard(entry));
            }
        });
        pump();
        return durable;
    }

    /** Restores a message found in the store at start (shard thread). Nothing is written. */
    public void restore(long sequence, QueueMessage message, int deliveryCount) {
        add(sequence, message, deliveryCount);
        nextSequence = Math.max(nextSequence, sequence + 1);
    }

    /** After recovery: dead-letter what reached its delivery limit, deliver the rest. */
    public void afterRestore() {
        int max = settings.maxDeliveryCount();
        for (Entry entry : ready.toList()) {
            if (entry.deliveryCount >= max) {
                end(entry, Outcome.DELIVERY_COUNT_EXCEEDED);
            }
        }
        pump();
    }

    private Entry add(long sequence, QueueMessage message, int deliveryCount) {
        Entry entry = new Entry(sequence, message, deliveryCount);
        entry.countStored = deliveryCount > 0;
        ready.add(entry);
        depth++;
        entry.expiryTimer = shard.schedule(message.expiryTime().toEpochMilli(), () -> expire(entry));
        return entry;
    }

    // ---------------------------------------------------------------- delivery

    public Receiver openReceiver(DeliverySink sink) {
        ReceiverImpl receiver = new ReceiverImpl(sink);
        shard.execute(() -> receivers.add(receiver));
        return receiver;
    }

    /** Locks ready messages for receivers with credit, round robin, until one side runs out. */
    private void pump() {
        while (!ready.isEmpty()) {
            ReceiverImpl receiver = nextReceiverWithCredit();
            if (receiver == null) {
                return;
            }
            Entry entry = ready.first();
            if (entry.message.expiryTime().toEpochMilli() <= shard.clock().millis()) {
                end(entry, Outcome.EXPIRED);
                continue;
            }
            if (entry.deliveryCount >= settings.maxDeliveryCount()) {
                end(entry, Outcome.DELIVERY_COUNT_EXCEEDED);
                continue;
            }
            lock(entry, receiver);
        }
    }

    private ReceiverImpl nextReceiverWithCredit() {
        int n = receivers.size();
        for (int i = 0; i < n; i++) {
            ReceiverImpl candidate = receivers.get((roundRobin + i) % n);
            if (candidate.credit > 0) {
                roundRobin = (roundRobin + i + 1) % n;
                return candidate;
            }
        }
        return null;
    }

    private void lock(Entry entry, ReceiverImpl receiver) {
        ready.remove(entry);
        entry.deliveryCount++;
        Lock lock = new Lock(LockToken.next(), receiver);
        long deadline = shard.clock().millis() + settings.lockDuration().toMillis();
        lock.timer = shard.schedule(deadline, () -> lockExpired(entry, lock));
        entry.lock = lock;
        locked.put(lock.token, entry);
        receiver.credit--;
        entry.countStored = true;
        int count = entry.deliveryCount;
        store.write(WriteBatch.put(kind.countKey(owner, entry.sequence), QueueMessageCodec.encodeCount(count)))
                .whenComplete((ok, failure) -> shard.execute(() -> announce(entry, lock, failure)));
    }

    /** The delivery count is durable: hand the message to the receiver, unless the lock is gone. */
    private void announce(Entry entry, Lock lock, Throwable failure) {
        if (entry.lock != lock) {
            return;
        }
        if (failure != null) {
            // not counted durably: undo this delivery and give the credit back; the next event retries
            unlock(entry);
            withdraw(entry);
            ready.add(entry);
            lock.receiver.credit++;
            return;
        }
        lock.announced = true;
        counters.delivered();
        lock.receiver.sink.deliver(new Delivery(lock.token, entry.deliveryCount, entry.message));
    }

    // ---------------------------------------------------------------- settlement

    /**
     * The messages {@code receiver} holds locked. A scan (bounded by the queue depth) when a receiver closes is
     * cheaper than keeping a second map up to date on every delivery.
     */
    private List<Entry> lockedBy(ReceiverImpl receiver) {
        List<Entry> held = new ArrayList<>();
        for (Entry entry : locked.values()) {
            if (entry.lock.receiver == receiver) {
                held.add(entry);
            }
        }
        return held;
    }

    private Entry lockedBy(ReceiverImpl receiver, LockToken token) {
        Entry entry = locked.get(token);
        return entry != null && entry.lock.receiver == receiver ? entry : null;
    }

    private CompletableFuture<Void> complete(ReceiverImpl receiver, LockToken token) {
        Entry entry = lockedBy(receiver, token);
        if (entry == null) {
            return lockLost(token);
        }
        unlock(entry);
        return end(entry, Outcome.COMPLETED);
    }

    private CompletableFuture<Void> reject(ReceiverImpl receiver, LockToken token) {
        Entry entry = lockedBy(receiver, token);
        if (entry == null) {
            return lockLost(token);
        }
        unlock(entry);
        return end(entry, Outcome.REJECTED);
    }

    private CompletableFuture<Void> abandon(ReceiverImpl receiver, LockToken token) {
        Entry entry = lockedBy(receiver, token);
        if (entry == null) {
            return lockLost(token);
        }
        unlock(entry);
        counters.abandoned();
        CompletableFuture<Void> result = requeue(entry);
        pump();
        return result;
    }

    private void lockExpired(Entry entry, Lock lock) {
        if (entry.lock != lock) {
            return;
        }
        counters.lockTimedOut();
        loseLock(entry);
        requeue(entry);
        pump();
    }

    private void expire(Entry entry) {
        if (entry.ended) {
            return;
        }
        loseLock(entry);
        end(entry, Outcome.EXPIRED);
        pump();
    }

    /** Back to ENQUEUED, unless the message has used up its deliveries. */
    private CompletableFuture<Void> requeue(Entry entry) {
        if (entry.deliveryCount >= settings.maxDeliveryCount()) {
            return end(entry, Outcome.DELIVERY_COUNT_EXCEEDED);
        }
        ready.add(entry);
        return DONE;
    }

    /**
     * Takes the lock (if any) away from its receiver: a receiver that saw the message is told; one that
     * never saw it gets its credit back, as if the delivery had not happened.
     */
    private void loseLock(Entry entry) {
        Lock lock = entry.lock;
        if (lock == null) {
            return;
        }
        unlock(entry);
        if (lock.announced) {
            lock.receiver.sink.lockLost(lock.token);
        } else {
            lock.receiver.credit++;
            withdraw(entry);
        }
    }

    /**
     * A delivery taken back before its receiver saw it (lock timeout or link loss while the count was being
     * written) did not happen: it must not use up one of the message's deliveries, or a message could be
     * dead-lettered for its delivery count without ever reaching a device. A count already written stays
     * higher in the store, which only errs on the safe side after a restart.
     */
    private static void withdraw(Entry entry) {
        entry.deliveryCount--;
    }

    private void unlock(Entry entry) {
        Lock lock = entry.lock;
        lock.timer.cancel();
        locked.remove(lock.token);
        entry.lock = null;
    }

    private static CompletableFuture<Void> lockLost(LockToken token) {
        return CompletableFuture.failedFuture(new GatewayException(ErrorCode.LOCK_LOST,
                "lock " + token + " is unknown, already settled or expired"));
    }

    // ---------------------------------------------------------------- ending messages

    /** Ends one message in its own batch. */
    private CompletableFuture<Void> end(Entry entry, Outcome outcome) {
        WriteBatch batch = new WriteBatch();
        Runnable afterDurable = endInto(entry, outcome, batch);
        CompletableFuture<Void> durable = store.write(batch);
        if (afterDurable != null) {
            durable.thenRun(afterDurable);
        }
        return durable;
    }

    /** Removes the message from memory and adds its removal to {@code batch}. The message must be unlocked. */
    private Runnable endInto(Entry entry, Outcome outcome, WriteBatch batch) {
        ready.remove(entry);
        entry.ended = true;
        entry.expiryTimer.cancel();
        depth--;
        counters.ended(outcome);
        batch.andDelete(kind.messageKey(owner, entry.sequence));
        if (entry.countStored) {
            batch.andDelete(kind.countKey(owner, entry.sequence));
        }
        return endListener.onEnd(entry.message, outcome, batch);
    }

    /** A message whose enqueue never became durable: drop it without an outcome. */
    private void discard(Entry entry) {
        if (entry.ended) {
            return;
        }
        loseLock(entry);
        ready.remove(entry);
        entry.ended = true;
        entry.expiryTimer.cancel();
        depth--;
    }

    /** Removes every message (shard thread); locks are lost. Completes with the number purged, once durable. */
    public CompletableFuture<Integer> purge() {
        shard.assertInShard();
        List<Entry> all = ready.toList();
        all.addAll(locked.values());
        if (all.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        WriteBatch batch = new WriteBatch();
        List<Runnable> afterDurable = new ArrayList<>();
        for (Entry entry : all) {
            loseLock(entry);
            Runnable after = endInto(entry, Outcome.PURGED, batch);
            if (after != null) {
                afterDurable.add(after);
            }
        }
        return store.write(batch).thenApply(ok -> {
            afterDurable.forEach(Runnable::run);
            return all.size();
        });
    }

    /** Detaches every receiver and purges (the queue's owner is gone). */
    public CompletableFuture<Integer> destroy() {
        shard.assertInShard();
        receivers.forEach(r -> r.closed = true);
        receivers.clear();
        return purge();
    }

    private String describeOwner() {
        return kind == QueueKind.C2D ? "device " + owner : "feedback";
    }

    // ---------------------------------------------------------------- state

    private static final class Entry implements SequenceQueue.Sequenced {
        final long sequence;
        final QueueMessage message;
        int deliveryCount;
        /** A delivery count was written for this message (so its removal must delete it). */
        boolean countStored;
        Lock lock;
        Timer expiryTimer;
        boolean ended;

        Entry(long sequence, QueueMessage message, int deliveryCount) {
            this.sequence = sequence;
            this.message = message;
            this.deliveryCount = deliveryCount;
        }

        @Override
        public long sequence() {
            return sequence;
        }
    }

    private static final class Lock {
        final LockToken token;
        final ReceiverImpl receiver;
        Timer timer;
        boolean announced;

        Lock(LockToken token, ReceiverImpl receiver) {
            this.token = token;
            this.receiver = receiver;
        }
    }

    /** A receiver; its mutable fields belong to the queue's shard like everything else here. */
    final class ReceiverImpl implements Receiver {
        final DeliverySink sink;
        int credit;
        boolean closed;

        ReceiverImpl(DeliverySink sink) {
            this.sink = sink;
        }

        @Override
        public void addCredit(int more) {
            if (more < 0) {
                throw new IllegalArgumentException("credit must not be negative");
            }
            shard.execute(() -> {
                if (!closed) {
                    // saturate: AMQP credit is unsigned and grants add up; an overflow would stop deliveries
                    credit = (int) Math.min(Integer.MAX_VALUE, (long) credit + more);
                    pump();
                }
            });
        }

        @Override
        public void setCredit(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("credit must not be negative");
            }
            shard.execute(() -> {
                if (!closed) {
                    credit = value;
                    pump();
                }
            });
        }

        @Override
        public CompletableFuture<Boolean> pollOne() {
            return shard.call(() -> {
                if (closed) {
                    return CompletableFuture.completedFuture(false);
                }
                credit = 1;
                pump();
                boolean locked = credit == 0;
                credit = 0;
                return CompletableFuture.completedFuture(locked);
            });
        }

        @Override
        public CompletableFuture<Void> complete(LockToken token) {
            return shard.call(() -> LifecycleQueue.this.complete(this, token));
        }

        @Override
        public CompletableFuture<Void> abandon(LockToken token) {
            return shard.call(() -> LifecycleQueue.this.abandon(this, token));
        }

        @Override
        public CompletableFuture<Void> reject(LockToken token) {
            return shard.call(() -> LifecycleQueue.this.reject(this, token));
        }

        @Override
        public void close() {
            shard.execute(() -> {
                if (closed) {
                    return;
                }
                closed = true;
                receivers.remove(this);
                for (Entry entry : lockedBy(this)) {
                    boolean seen = entry.lock.announced;
                    unlock(entry);
                    if (!seen) {
                        withdraw(entry);
                    }
                    counters.abandoned();
                    requeue(entry);
                }
                pump();
            });
        }
    }
}
