package io.gatehouse.core.queue;

import io.gatehouse.core.exec.Shard;
import io.gatehouse.core.exec.Timer;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.WriteBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <p>Memory: a message's content (properties and body) is in memory only while it may soon be delivered: from
 * its enqueue until it is durable, while a receiver is attached, and while it is locked. Otherwise only what
 * the lifecycle needs stays (sequence, expiry, ack mode, delivery count, and the message id when feedback
 * needs it), and the content is read back from the store ahead of delivery, a window at a time. A message is
 * handed to its receiver once its delivery count is durable and its content is in memory, whichever is last;
 * once handed over, a durable message's content leaves memory again (a redelivery reads it back), so a delivery
 * in flight costs the queue only its lock. Expiry is one timer per queue, armed for the earliest expiry; lock
 * timeouts share another ({@link TimeoutList}).
 */
public final class LifecycleQueue {

    /** Told when a message ends; may add records to the removal batch. */
    public interface EndListener {
        /**
         * Called on the shard as a message that asked for {@code ack} ends with {@code outcome}; may add to
         * {@code batch}. {@code messageId} is set whenever {@code ack} asks for feedback (null for
         * {@link AckMode#NONE}). Returns work to run once the batch is durable, or null.
         */
        Runnable onEnd(AckMode ack, String messageId, Outcome outcome, WriteBatch batch);
    }

    private static final Logger log = LoggerFactory.getLogger(LifecycleQueue.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    /** The most messages whose content is read ahead of delivery. */
    static final int READ_AHEAD = 32;

    private final String owner;
    /** The owning identity's generation, stored with each message ("" for the feedback queue). */
    private final String ownerGeneration;
    private final QueueKind kind;
    private final QueueSettings settings;
    private final Shard shard;
    private final StateStore store;
    private final ReadBudget readBudget;
    private final EndListener endListener;
    private final LifecycleCounters counters;

    private final SequenceQueue<Entry> ready = new SequenceQueue<>();
    private final TokenTable<Lock> locked = new TokenTable<>(lock -> lock.token);
    /** The locks in the order they time out. */
    private final TimeoutList<Lock> lockTimeouts;
    private final List<ReceiverImpl> receivers = new ArrayList<>(1);
    private int roundRobin;
    private long nextSequence;
    /** The one expiry timer, armed for the earliest expiry of the messages here (or null). */
    private Timer expiryTimer;
    private volatile int depth;
    /**
     * The messages below this sequence are durable, so their content may leave memory: advanced by the store
     * threads that complete enqueues, which complete in order.
     */
    private final AtomicLong storedBelow = new AtomicLong();
    /** A receiver is attached: written on the shard, read by the store threads that complete enqueues. */
    private volatile boolean receiving;
    /** Waiting for the hub's {@link ReadBudget} to lock a message whose content is on disk only. */
    private boolean waitingForReads;

    public LifecycleQueue(String owner, String ownerGeneration, QueueKind kind, QueueSettings settings, Shard shard,
                          StateStore store, ReadBudget readBudget, EndListener endListener,
                          LifecycleCounters counters) {
        this.owner = owner;
        this.ownerGeneration = ownerGeneration;
        this.kind = kind;
        this.settings = settings;
        this.shard = shard;
        this.store = store;
        this.readBudget = readBudget;
        this.endListener = endListener;
        this.counters = counters;
        this.lockTimeouts = new TimeoutList<>(shard, this::lockExpired);
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
        Entry entry = add(new Entry(nextSequence++, message));
        counters.enqueued();
        WriteBatch batch = extra.andPut(kind.messageKey(owner, entry.sequence), QueueMessageCodec.encode(message, ownerGeneration));
        // pumps first, so that the delivery counts of what it locks (this message, for a receiver with credit) go
        // in the message's own batch: one durable write before the delivery, not two that may take two syncs
        PumpWrite pumped = pump(batch);
        CompletableFuture<Void> durable = store.write(batch);
        durable.whenComplete((ok, failure) -> {
            if (failure != null) {
                // the sender is told the message was refused; it must not be delivered either
                shard.execute(() -> discard(entry));
            } else {
                storedBelow.accumulateAndGet(entry.sequence + 1, Math::max);
                // with a receiver attached the content stays (the hot path: no hop back here), and the last
                // receiver to leave drops it; that one reads storedBelow after clearing receiving, so no message
                // is missed
                if (!receiving) {
                    shard.execute(() -> leaveInStore(entry));
                }
            }
            // after storedBelow: a delivery lets go of the content of a message it finds durable
            if (pumped != null) {
                pumped.written(failure);
            }
        });
        return durable;
    }

    /** The message is durable and nobody receives: its content leaves memory. */
    private void leaveInStore(Entry entry) {
        if (receivers.isEmpty() && entry.lock == null) {
            entry.content = null;
            leaveReadAhead(entry);
        }
    }

    /**
     * Restores a message found in the store at start (shard thread), from its header: the content stays in the
     * store until a receiver needs it. Nothing is written.
     */
    public void restore(long sequence, QueueMessageCodec.Header header, int deliveryCount) {
        add(new Entry(sequence, header, deliveryCount));
        nextSequence = Math.max(nextSequence, sequence + 1);
        storedBelow.accumulateAndGet(sequence + 1, Math::max);
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

    private Entry add(Entry entry) {
        ready.add(entry);
        depth++;
        expireNoLaterThan(entry.expiryMillis);
        return entry;
    }

    // ---------------------------------------------------------------- delivery

    public Receiver openReceiver(DeliverySink sink) {
        ReceiverImpl receiver = new ReceiverImpl(sink);
        shard.execute(() -> {
            receivers.add(receiver);
            receiving = true;
        });
        return receiver;
    }

    /**
     * Locks ready messages for receivers with credit, round robin, until one side runs out; then reads ahead
     * the content that the locked messages and the next ones lack.
     */
    private void pump() {
        PumpWrite write = pump(null);
        if (write != null) {
            write.write();
        }
    }

    /**
     * As {@link #pump()}, with what it writes (the delivery counts of the messages it locks, the ends of those it
     * finds expired or out of deliveries) added to {@code shared}, which the caller writes, or to a batch of their
     * own when that is null; returns it (null when there was nothing to write), to be written, or told when the
     * shared batch is durable.
     */
    private PumpWrite pump(WriteBatch shared) {
        List<Entry> lockedWithoutContent = null;
        PumpWrite write = null;
        while (!ready.isEmpty()) {
            ReceiverImpl receiver = nextReceiverWithCredit();
            if (receiver == null) {
                break;
            }
            Entry entry = ready.first();
            Outcome end = entry.expiryMillis <= shard.clock().millis() ? Outcome.EXPIRED
                    : entry.deliveryCount >= settings.maxDeliveryCount() ? Outcome.DELIVERY_COUNT_EXCEEDED : null;
            boolean readForDelivery = end == null && needsContent(entry);
            if (readForDelivery && !readBudget.takeForDelivery()) {
                waitForReads();
                break;
            }
            if (write == null) {
                write = new PumpWrite(shared != null ? shared : new WriteBatch());
            }
            if (end != null) {
                write.end(entry, end);
                continue;
            }
            Lock lock = lock(entry, receiver);
            lock.holdsRead = readForDelivery;
            write.count(lock);
            if (readForDelivery) {
                if (lockedWithoutContent == null) {
                    lockedWithoutContent = new ArrayList<>();
                }
                lockedWithoutContent.add(entry);
            }
        }
        readAhead(lockedWithoutContent);
        return write;
    }

    /** The hub's reads for deliveries are all taken: pump again when one comes back. */
    private void waitForReads() {
        if (!waitingForReads) {
            waitingForReads = true;
            readBudget.whenFreeForDeliveries(() -> shard.execute(this::readsFreed));
        }
    }

    private void readsFreed() {
        waitingForReads = false;
        pump();
        if (!waitingForReads) {
            readBudget.wakeOneIfFree(); // this queue needed no share: another may
        }
    }

    /** The lock's content has been handed over, or the lock is gone: its read for delivery is no longer held. */
    private void releaseRead(Lock lock) {
        if (lock.holdsRead) {
            lock.holdsRead = false;
            readBudget.giveBackForDelivery();
        }
    }

    /**
     * Loads the content of the messages just locked without it, and of the first ready messages: twice as many
     * as the receivers could take next (what they hold plus their credit), at most {@link #READ_AHEAD}, so that
     * a read is under way well before a receiver needs it. The ready part is loaded once half of that window
     * lacks content, or all that is left of it: reads then go in batches rather than one per delivery.
     */
    private void readAhead(List<Entry> lockedWithoutContent) {
        int window = (int) Math.min(READ_AHEAD, 2L * (locked.size() + totalCredit()));
        int ahead = Math.min(window, ready.size());
        int missing = 0;
        for (int i = 0; i < ahead; i++) {
            if (needsContent(ready.get(i))) {
                missing++;
            }
        }
        boolean refill = missing > 0 && (2 * missing >= window || missing == ahead);
        int granted = refill ? readBudget.takeAhead(missing) : 0;
        if (lockedWithoutContent == null && granted == 0) {
            return;
        }
        List<Entry> load = lockedWithoutContent == null ? new ArrayList<>(granted) : lockedWithoutContent;
        for (int i = 0; i < ahead && granted > 0; i++) {
            Entry entry = ready.get(i);
            if (needsContent(entry)) {
                entry.set(Entry.READ_AHEAD, true);
                load.add(entry);
                granted--;
            }
        }
        load(load);
    }

    private static boolean needsContent(Entry entry) {
        return entry.content == null && !entry.is(Entry.LOADING);
    }

    /**
     * The entry's content no longer counts as read ahead: it was locked, dropped or ended. A read still under way
     * keeps its share until it is done ({@link #loaded}), so the reads ahead never exceed the budget.
     */
    private void leaveReadAhead(Entry entry) {
        if (entry.is(Entry.READ_AHEAD) && !entry.is(Entry.LOADING)) {
            entry.set(Entry.READ_AHEAD, false);
            readBudget.giveBackAhead();
        }
    }

    private int totalCredit() {
        long total = 0;
        for (ReceiverImpl receiver : receivers) {
            total += receiver.credit;
        }
        return (int) Math.min(Integer.MAX_VALUE, total);
    }

    /** Reads the content of {@code entries} from the store; it arrives back on the shard. */
    private void load(List<Entry> entries) {
        List<StateKey> keys = new ArrayList<>(entries.size());
        for (Entry entry : entries) {
            entry.set(Entry.LOADING, true);
            keys.add(kind.messageKey(owner, entry.sequence));
        }
        store.read(keys).whenComplete((values, failure) -> shard.execute(() -> loaded(entries, values, failure)));
    }

    /** Content read from the store: keep it where a receiver may want it, and deliver what waited for it. */
    private void loaded(List<Entry> entries, List<byte[]> values, Throwable failure) {
        if (failure != null) {
            log.warn("Cannot read {} queued messages of {} from the store: {}", entries.size(), describeOwner(),
                    failure.toString());
        }
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            entry.set(Entry.LOADING, false);
            if (entry.is(Entry.ENDED)) {
                leaveReadAhead(entry);
                continue;
            }
            if (entry.lock != null) {
                leaveReadAhead(entry); // locked while its read ahead was under way
            }
            byte[] value = failure == null ? values.get(i) : null;
            if (value == null) {
                if (failure == null) {
                    log.error("Queued message {} of {} is missing from the store", entry.sequence, describeOwner());
                }
                if (entry.lock != null && !entry.lock.announced) {
                    // not deliverable now: as if never locked; the next event tries again
                    takeBack(entry);
                    ready.add(entry);
                }
            } else if (entry.lock != null || !receivers.isEmpty()) {
                entry.content = QueueMessageCodec.decode(value).message();
                if (entry.lock != null) {
                    entry.lock.receiver.deliverReady();
                }
            }
            if (entry.content == null) {
                leaveReadAhead(entry);
            }
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

    /**
     * Locks {@code entry} for {@code receiver}, counting one more delivery; the caller writes the count, and the
     * message is handed over once that is durable.
     */
    private Lock lock(Entry entry, ReceiverImpl receiver) {
        ready.remove(entry);
        leaveReadAhead(entry);
        entry.deliveryCount++;
        Lock lock = new Lock(LockToken.next(), entry, receiver);
        lockTimeouts.add(lock, shard.clock().millis() + settings.lockDuration().toMillis());
        entry.lock = lock;
        receiver.undelivered.add(lock);
        locked.add(lock);
        receiver.credit--;
        entry.set(Entry.COUNT_STORED, true);
        return lock;
    }

    /**
     * What one pump writes, in one batch (its own, or the enqueue's that ran it): the delivery counts of the
     * messages it locks, and the ends of those it finds expired or out of deliveries. In an enqueue's batch, an
     * end of the message being enqueued comes after its put, so the store never keeps a message that ended.
     */
    private final class PumpWrite {
        private final WriteBatch batch;
        private final List<Lock> locks = new ArrayList<>();
        /** What the ends' listener wants run once they are durable; usually none. */
        private List<Runnable> afterEnds;

        PumpWrite(WriteBatch batch) {
            this.batch = batch;
        }

        void count(Lock lock) {
            Entry entry = lock.entry;
            batch.andPut(kind.countKey(owner, entry.sequence), QueueMessageCodec.encodeCount(entry.deliveryCount));
            locks.add(lock);
        }

        void end(Entry entry, Outcome outcome) {
            Runnable afterDurable = endInto(entry, outcome, batch);
            if (afterDurable != null) {
                if (afterEnds == null) {
                    afterEnds = new ArrayList<>(1);
                }
                afterEnds.add(afterDurable);
            }
        }

        void write() {
            store.write(batch).whenComplete((ok, failure) -> written(failure));
        }

        /** The batch is durable, or failed with {@code failure}: deliver, or take the locks back, on the shard. */
        void written(Throwable failure) {
            if (failure == null && afterEnds != null) {
                afterEnds.forEach(Runnable::run);
            }
            if (!locks.isEmpty()) {
                shard.execute(() -> counted(locks, failure));
            }
        }
    }

    /**
     * The delivery counts of {@code locks} (one pump's) were written: deliver, unless a lock is gone or its
     * content is still on its way.
     */
    private void counted(List<Lock> locks, Throwable failure) {
        for (Lock lock : locks) {
            Entry entry = lock.entry;
            if (entry.lock != lock) {
                continue;
            }
            if (failure != null) {
                // not counted durably: undo this delivery; the next event retries
                takeBack(entry);
                ready.add(entry);
                continue;
            }
            lock.counted = true;
            lock.receiver.deliverReady();
        }
    }

    // ---------------------------------------------------------------- settlement

    /**
     * The messages {@code receiver} holds locked. A scan (bounded by the queue depth) when a receiver closes is
     * cheaper than keeping a second map up to date on every delivery.
     */
    private List<Entry> lockedBy(ReceiverImpl receiver) {
        List<Entry> held = new ArrayList<>();
        for (Lock lock : locked.toList()) {
            if (lock.receiver == receiver) {
                held.add(lock.entry);
            }
        }
        return held;
    }

    private Entry lockedBy(ReceiverImpl receiver, LockToken token) {
        Lock lock = locked.get(token);
        return lock != null && lock.receiver == receiver ? lock.entry : null;
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

    private void lockExpired(Lock lock) {
        Entry entry = lock.entry;
        if (entry.lock != lock) {
            return;
        }
        if (entry.expiryMillis <= lock.deadline()) {
            // the message expires no later than its lock: expiry goes first, as it would with a timer of its own
            loseLock(entry);
            end(entry, Outcome.EXPIRED);
            pump();
            return;
        }
        counters.lockTimedOut();
        loseLock(entry);
        requeue(entry);
        pump();
    }

    /** Arms the expiry timer for {@code deadline}, unless it fires no later already. */
    private void expireNoLaterThan(long deadline) {
        if (expiryTimer != null && expiryTimer.isPending()) {
            if (expiryTimer.deadline() <= deadline) {
                return;
            }
            expiryTimer.cancel();
        }
        expiryTimer = shard.schedule(deadline, this::expireDue);
    }

    /**
     * The expiry timer fired: ends the messages whose expiry is its deadline or earlier, in the order their own
     * timers would have fired, then waits for the next expiry. One timer per queue rather than per message: a
     * timer costs more memory than the rest of a message on disk, and the scan is bounded by the queue depth.
     */
    private void expireDue() {
        long deadline = expiryTimer.deadline();
        expiryTimer = null;
        List<Entry> due = new ArrayList<>();
        long next = Long.MAX_VALUE;
        for (Entry entry : allEntries()) {
            if (entry.expiryMillis <= deadline) {
                due.add(entry);
            } else {
                next = Math.min(next, entry.expiryMillis);
            }
        }
        due.sort(Comparator.comparingLong((Entry e) -> e.expiryMillis).thenComparingLong(Entry::sequence));
        for (Entry entry : due) {
            loseLock(entry);
            end(entry, Outcome.EXPIRED);
        }
        if (next != Long.MAX_VALUE) {
            expireNoLaterThan(next);
        }
        pump();
    }

    /** Every message here, ready then locked. */
    private List<Entry> allEntries() {
        List<Entry> all = ready.toList();
        for (Lock lock : locked.toList()) {
            all.add(lock.entry);
        }
        return all;
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
        if (lock.announced) {
            unlock(entry);
            lock.receiver.sink.lockLost(lock.token);
        } else {
            takeBack(entry);
        }
    }

    /**
     * Undoes a delivery its receiver has not seen: the lock goes, the delivery does not count, the receiver gets
     * its credit back. The caller puts the message where it belongs.
     */
    private void takeBack(Entry entry) {
        Lock lock = entry.lock;
        unlock(entry);
        withdraw(entry);
        lock.receiver.credit++;
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
        lockTimeouts.remove(lock);
        releaseRead(lock);
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
        forget(entry);
        counters.ended(outcome);
        batch.andDelete(kind.messageKey(owner, entry.sequence));
        if (entry.is(Entry.COUNT_STORED)) {
            batch.andDelete(kind.countKey(owner, entry.sequence));
        }
        return endListener.onEnd(entry.ack(), entry.feedbackMessageId(), outcome, batch);
    }

    /** A message whose enqueue never became durable: drop it without an outcome. */
    private void discard(Entry entry) {
        if (entry.is(Entry.ENDED)) {
            return;
        }
        loseLock(entry);
        forget(entry);
    }

    /** Takes an unlocked message out of memory; the last one takes the expiry timer with it. */
    private void forget(Entry entry) {
        ready.remove(entry);
        leaveReadAhead(entry);
        entry.set(Entry.ENDED, true);
        entry.content = null;
        depth--;
        if (depth == 0 && expiryTimer != null) {
            expiryTimer.cancel();
            expiryTimer = null;
        }
    }

    /** Removes every message (shard thread); locks are lost. Completes with the number purged, once durable. */
    public CompletableFuture<Integer> purge() {
        shard.assertInShard();
        List<Entry> all = allEntries();
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
        receiving = false;
        return purge();
    }

    /**
     * Another node took the queue over (shard thread): everything leaves memory without a write, since the entries
     * are the new owner's now, and the receivers are detached. Deliveries in flight here are the new owner's to
     * redeliver; the store refuses any write this node still makes for the queue.
     */
    public void release() {
        shard.assertInShard();
        receivers.forEach(r -> r.closed = true);
        receivers.clear();
        receiving = false;
        for (Entry entry : allEntries()) {
            if (entry.lock != null) {
                unlock(entry);
            }
            forget(entry);
        }
    }

    /** Nobody receives any more: the durable ready messages keep only what the lifecycle needs. */
    private void leaveContentInTheStore() {
        receiving = false;
        long stored = storedBelow.get();
        for (int i = 0, n = ready.size(); i < n; i++) {
            Entry entry = ready.get(i);
            if (entry.sequence < stored) {
                entry.content = null;
                leaveReadAhead(entry);
            }
        }
    }

    private String describeOwner() {
        return kind == QueueKind.C2D ? "device " + owner : "feedback";
    }

    // ---------------------------------------------------------------- state

    /** What the queue keeps of one message: a few fields, and the content only while it may soon be delivered. */
    private static final class Entry implements SequenceQueue.Sequenced {
        private static final AckMode[] ACK_MODES = AckMode.values();
        private static final int ACK_BITS = 0b11;
        /** A delivery count was written for this message (so its removal must delete it). */
        static final int COUNT_STORED = 1 << 2;
        /** A read of its content from the store is under way. */
        static final int LOADING = 1 << 3;
        /** Its content is (being) read ahead of any lock: it holds one message of the hub's {@link ReadBudget} ahead. */
        static final int READ_AHEAD = 1 << 4;
        static final int ENDED = 1 << 5;

        static {
            if (ACK_MODES.length > ACK_BITS + 1) {
                throw new ExceptionInInitializerError("the acknowledgement mode needs more than two bits");
            }
        }

        final long sequence;
        final long expiryMillis;
        /**
         * Kept only when the message asks for feedback, the one use of its id without its content: a {@link UUID}
         * when the id is one in its usual lowercase text (the service SDKs' default; 32 bytes instead of 80 as a
         * string), else the id's string.
         */
        private final Object feedbackMessageId;
        /** The properties and body; null while only the store holds them. */
        QueueMessage content;
        Lock lock;
        /**
         * At most the hub's delivery limit (100), so a short: with compact object headers (JDK 25) this and
         * {@link #state} fit the entry in 40 bytes instead of 48; with the usual headers it is 48 either way.
         */
        short deliveryCount;
        /**
         * The acknowledgement mode (two bits) and the flags above in one byte: an entry per queued message, and with
         * an enum reference and four booleans it took 56 bytes instead of 48.
         */
        private byte state;

        /** A message just enqueued, with its content. */
        Entry(long sequence, QueueMessage message) {
            this(sequence, message.expiryTime().toEpochMilli(), message.ack(), message.messageId(), 0);
            this.content = message;
        }

        /** A message restored from the store: its content stays there. */
        Entry(long sequence, QueueMessageCodec.Header header, int deliveryCount) {
            this(sequence, header.expiryMillis(), header.ack(), header.messageId(), deliveryCount);
            set(COUNT_STORED, deliveryCount > 0);
        }

        private Entry(long sequence, long expiryMillis, AckMode ack, String messageId, int deliveryCount) {
            this.sequence = sequence;
            this.expiryMillis = expiryMillis;
            this.state = (byte) ack.ordinal();
            this.feedbackMessageId = ack == AckMode.NONE ? null : compactId(messageId);
            this.deliveryCount = (short) Math.min(deliveryCount, Short.MAX_VALUE); // above the limit it is dead-lettered anyway
        }

        AckMode ack() {
            return ACK_MODES[state & ACK_BITS];
        }

        String feedbackMessageId() {
            return feedbackMessageId instanceof UUID uuid ? uuid.toString() : (String) feedbackMessageId;
        }

        /** The id as a {@link UUID} if that gives back exactly the same text, else the id itself. */
        private static Object compactId(String id) {
            if (id == null || id.length() != 36 || id.charAt(8) != '-' || id.charAt(13) != '-' || id.charAt(18) != '-'
                    || id.charAt(23) != '-') {
                return id;
            }
            try {
                UUID uuid = UUID.fromString(id);
                return uuid.toString().equals(id) ? uuid : id;
            } catch (IllegalArgumentException notUuid) {
                return id;
            }
        }

        boolean is(int flag) {
            return (state & flag) != 0;
        }

        void set(int flag, boolean on) {
            state = (byte) (on ? state | flag : state & ~flag);
        }

        @Override
        public long sequence() {
            return sequence;
        }
    }

    private static final class Lock extends TimeoutList.Node<Lock> {
        final LockToken token;
        final Entry entry;
        final ReceiverImpl receiver;
        /** The delivery count is durable. */
        boolean counted;
        /** The receiver was handed the message. */
        boolean announced;
        /** Its content is read from the store under one of the hub's reads for deliveries ({@link ReadBudget}). */
        boolean holdsRead;

        Lock(LockToken token, Entry entry, ReceiverImpl receiver) {
            this.token = token;
            this.entry = entry;
            this.receiver = receiver;
        }

        /** Still the message's lock: not taken back, lost or settled. */
        boolean isHeld() {
            return entry.lock == this;
        }
    }

    /** A receiver; its mutable fields belong to the queue's shard like everything else here. */
    final class ReceiverImpl implements Receiver {
        final DeliverySink sink;
        /** Locks not handed over yet, in the order they were taken: deliveries keep that order. */
        final ArrayDeque<Lock> undelivered = new ArrayDeque<>();
        int credit;
        boolean closed;

        ReceiverImpl(DeliverySink sink) {
            this.sink = sink;
        }

        /**
         * Hands over the locked messages whose count is durable and whose content is in memory, in lock order: a
         * message still being read from the store holds back those locked after it.
         */
        void deliverReady() {
            Lock lock;
            while ((lock = undelivered.peek()) != null) {
                if (!lock.isHeld()) {
                    undelivered.poll(); // taken back before it was handed over
                    continue;
                }
                if (!lock.counted || lock.entry.content == null) {
                    return;
                }
                undelivered.poll();
                lock.announced = true;
                counters.delivered();
                Entry entry = lock.entry;
                sink.deliver(new Delivery(lock.token, entry.deliveryCount, entry.content));
                releaseRead(lock);
                if (entry.sequence < storedBelow.get()) {
                    entry.content = null; // the receiver has it; were it delivered again, the store has it
                }
            }
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
                if (receivers.isEmpty()) {
                    leaveContentInTheStore();
                }
                pump();
            });
        }
    }
}
