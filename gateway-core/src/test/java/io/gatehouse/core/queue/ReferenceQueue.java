package io.gatehouse.core.queue;

import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.feedback.FeedbackStatus;
import io.gatehouse.core.model.LockToken;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A deliberately naive reference of one device's C2D queue, written from docs/messaging.md#the-lifecycle and the README's
 * "Behaviour choices", for the model test to hold the real queue against:
 * <ul>
 *   <li>messages are offered in enqueue order; an abandoned or timed-out message keeps its place;</li>
 *   <li>every ENQUEUED → locked transition counts a delivery; a message whose count reached the limit is
 *       dead-lettered when it would return to ENQUEUED (abandon, lock timeout, receiver gone, restart);</li>
 *   <li>expired messages are dead-lettered, locked or not; nothing is offered once expired;</li>
 *   <li>timed events happen in time order (ties: in the order they were set up); a stale or foreign lock token
 *       changes nothing.</li>
 * </ul>
 * Which receiver gets a message is not specified, so the model follows the real queue's choice (handed in as
 * {@link Offer}s) and only checks that it was allowed: the receiver was open and had credit, and the message
 * and its delivery count are the ones the rules say come next.
 */
final class ReferenceQueue {

    enum Outcome { OK, LOCK_LOST }

    /** One delivery the real queue made: to which receiver, which message, with which count and token. */
    record Offer(int receiver, String messageId, int deliveryCount, LockToken token) {
    }

    record Feedback(String messageId, FeedbackStatus status, long time) {
    }

    record LostLock(int receiver, LockToken token) {
    }

    static final class Message {
        final String id;
        final long sequence;
        final AckMode ack;
        final long expiry;
        long expiryTimer;
        int deliveryCount;
        Lock lock;

        Message(String id, long sequence, AckMode ack, long expiry, long expiryTimer) {
            this.id = id;
            this.sequence = sequence;
            this.ack = ack;
            this.expiry = expiry;
            this.expiryTimer = expiryTimer;
        }
    }

    record Lock(Message message, int receiver, LockToken token, long deadline, long timer) {
    }

    static final class ReceiverState {
        int credit;
        boolean open = true;
        final List<Lock> held = new ArrayList<>();
    }

    private final int maxDeliveryCount;
    private final int maxDepth;
    private final long lockMillis;
    private final TreeMap<Long, Message> messages = new TreeMap<>();
    private final List<ReceiverState> receivers = new ArrayList<>();
    private final List<Feedback> feedback = new ArrayList<>();
    private final List<LostLock> lost = new ArrayList<>();
    private Iterator<Offer> offers = List.<Offer>of().iterator();
    private long now;
    private long nextSequence;
    private long nextTimer;

    ReferenceQueue(int maxDeliveryCount, int maxDepth, long lockMillis, long now) {
        this.maxDeliveryCount = maxDeliveryCount;
        this.maxDepth = maxDepth;
        this.lockMillis = lockMillis;
        this.now = now;
    }

    /** The real queue's deliveries during the next operation, in the order they were made. */
    void expectOffers(List<Offer> observed) {
        offers = observed.iterator();
    }

    /** After an operation: the real queue made no delivery the rules did not call for. */
    void assertAllOffersExplained() {
        if (offers.hasNext()) {
            throw new AssertionError("the queue delivered " + offers.next() + " but the rules offer nothing (more) now");
        }
    }

    // ------------------------------------------------------------ operations

    /** Returns false when the queue is full. */
    boolean send(String id, AckMode ack, long ttlMillis) {
        if (messages.size() >= maxDepth) {
            return false;
        }
        long sequence = nextSequence++;
        messages.put(sequence, new Message(id, sequence, ack, now + ttlMillis, nextTimer++));
        pump();
        runDueEvents();
        return true;
    }

    int openReceiver() {
        receivers.add(new ReceiverState());
        return receivers.size() - 1;
    }

    void addCredit(int receiver, int credit) {
        ReceiverState r = receivers.get(receiver);
        if (r.open) {
            r.credit += credit;
            pump();
        }
    }

    void setCredit(int receiver, int credit) {
        ReceiverState r = receivers.get(receiver);
        if (r.open) {
            r.credit = credit;
            pump();
        }
    }

    Outcome complete(int receiver, LockToken token) {
        Lock lock = heldBy(receiver, token);
        if (lock == null) {
            return Outcome.LOCK_LOST;
        }
        unlock(lock);
        end(lock.message(), FeedbackStatus.SUCCESS);
        return Outcome.OK;
    }

    Outcome reject(int receiver, LockToken token) {
        Lock lock = heldBy(receiver, token);
        if (lock == null) {
            return Outcome.LOCK_LOST;
        }
        unlock(lock);
        end(lock.message(), FeedbackStatus.REJECTED);
        return Outcome.OK;
    }

    Outcome abandon(int receiver, LockToken token) {
        Lock lock = heldBy(receiver, token);
        if (lock == null) {
            return Outcome.LOCK_LOST;
        }
        unlock(lock);
        backToEnqueued(lock.message());
        pump();
        return Outcome.OK;
    }

    /** The receiver goes away: its locks are given back at once (not told: it is gone). */
    void close(int receiver) {
        ReceiverState r = receivers.get(receiver);
        if (!r.open) {
            return;
        }
        r.open = false;
        r.credit = 0;
        for (Lock lock : List.copyOf(r.held)) {
            unlock(lock);
            backToEnqueued(lock.message());
        }
        pump();
    }

    int purge() {
        List<Message> all = List.copyOf(messages.values());
        for (Message m : all) {
            loseLock(m);
            end(m, FeedbackStatus.PURGED);
        }
        return all.size();
    }

    void advance(long millis) {
        now += millis;
        runDueEvents();
    }

    /** A crash and a restart: receivers and locks vanish; recovery dead-letters what it must. */
    void restart() {
        receivers.clear();
        for (Message m : messages.values()) {
            m.lock = null;
            m.expiryTimer = nextTimer++;
        }
        for (Message m : List.copyOf(messages.values())) {
            if (m.deliveryCount >= maxDeliveryCount) {
                end(m, FeedbackStatus.DELIVERY_COUNT_EXCEEDED);
            }
        }
        runDueEvents();
    }

    // ------------------------------------------------------------ what the test compares

    /** Every live message's id and delivery count, in offer order. */
    Map<String, Integer> deliveryCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        messages.values().forEach(m -> counts.put(m.id, m.deliveryCount));
        return counts;
    }

    QueueStats stats() {
        int locked = (int) messages.values().stream().filter(m -> m.lock != null).count();
        int open = (int) receivers.stream().filter(r -> r.open).count();
        return new QueueStats(messages.size() - locked, locked, open);
    }

    /** Locks receiver {@code receiver} holds, oldest first. */
    List<LockToken> held(int receiver) {
        return receivers.get(receiver).held.stream().map(Lock::token).toList();
    }

    int receiverCount() {
        return receivers.size();
    }

    boolean isOpen(int receiver) {
        return receivers.get(receiver).open;
    }

    List<Feedback> takeFeedback() {
        List<Feedback> taken = List.copyOf(feedback);
        feedback.clear();
        return taken;
    }

    List<LostLock> takeLostLocks() {
        List<LostLock> taken = List.copyOf(lost);
        lost.clear();
        return taken;
    }

    // ------------------------------------------------------------ the rules

    /** Offers the first ENQUEUED message while any receiver has credit. */
    private void pump() {
        while (true) {
            Message head = firstEnqueued();
            if (head == null || receivers.stream().noneMatch(r -> r.open && r.credit > 0)) {
                return;
            }
            if (head.expiry <= now) {
                end(head, FeedbackStatus.EXPIRED);
                continue;
            }
            if (head.deliveryCount >= maxDeliveryCount) {
                end(head, FeedbackStatus.DELIVERY_COUNT_EXCEEDED);
                continue;
            }
            if (!offers.hasNext()) {
                throw new AssertionError("the queue did not deliver " + head.id + " (delivery " + (head.deliveryCount + 1)
                        + ") although a receiver had credit");
            }
            Offer offer = offers.next();
            if (!offer.messageId().equals(head.id) || offer.deliveryCount() != head.deliveryCount + 1) {
                throw new AssertionError("the queue delivered " + offer + " but next is " + head.id + " with delivery count "
                        + (head.deliveryCount + 1));
            }
            ReceiverState r = receivers.get(offer.receiver());
            if (!r.open || r.credit <= 0) {
                throw new AssertionError("the queue delivered " + offer + " to a receiver without credit");
            }
            head.deliveryCount++;
            Lock lock = new Lock(head, offer.receiver(), offer.token(), now + lockMillis, nextTimer++);
            head.lock = lock;
            r.credit--;
            r.held.add(lock);
        }
    }

    /** Lock timeouts and expiries that are due, one at a time in time order (ties in set-up order). */
    private void runDueEvents() {
        while (true) {
            Message expiring = null;
            Lock timingOut = null;
            long bestTime = Long.MAX_VALUE;
            long bestTimer = Long.MAX_VALUE;
            for (Message m : messages.values()) {
                if (m.expiry <= now && (m.expiry < bestTime || (m.expiry == bestTime && m.expiryTimer < bestTimer))) {
                    expiring = m;
                    timingOut = null;
                    bestTime = m.expiry;
                    bestTimer = m.expiryTimer;
                }
                Lock l = m.lock;
                if (l != null && l.deadline() <= now
                        && (l.deadline() < bestTime || (l.deadline() == bestTime && l.timer() < bestTimer))) {
                    timingOut = l;
                    expiring = null;
                    bestTime = l.deadline();
                    bestTimer = l.timer();
                }
            }
            if (expiring != null) {
                loseLock(expiring);
                end(expiring, FeedbackStatus.EXPIRED);
                pump();
            } else if (timingOut != null) {
                loseLock(timingOut.message());
                backToEnqueued(timingOut.message());
                pump();
            } else {
                return;
            }
        }
    }

    private Message firstEnqueued() {
        for (Message m : messages.values()) {
            if (m.lock == null) {
                return m;
            }
        }
        return null;
    }

    private Lock heldBy(int receiver, LockToken token) {
        if (receiver >= receivers.size()) {
            return null;
        }
        for (Lock lock : receivers.get(receiver).held) {
            if (lock.token().equals(token)) {
                return lock;
            }
        }
        return null;
    }

    private void unlock(Lock lock) {
        receivers.get(lock.receiver()).held.remove(lock);
        lock.message().lock = null;
    }

    /** The lock is taken away while its holder still has it: the holder is told. */
    private void loseLock(Message m) {
        if (m.lock != null) {
            lost.add(new LostLock(m.lock.receiver(), m.lock.token()));
            unlock(m.lock);
        }
    }

    private void backToEnqueued(Message m) {
        if (m.deliveryCount >= maxDeliveryCount) {
            end(m, FeedbackStatus.DELIVERY_COUNT_EXCEEDED);
        }
    }

    private void end(Message m, FeedbackStatus status) {
        messages.remove(m.sequence);
        boolean wanted = switch (m.ack) {
            case NONE -> false;
            case POSITIVE -> status == FeedbackStatus.SUCCESS;
            case NEGATIVE -> status != FeedbackStatus.SUCCESS;
            case FULL -> true;
        };
        if (wanted) {
            feedback.add(new Feedback(m.id, status, now));
        }
    }
}
