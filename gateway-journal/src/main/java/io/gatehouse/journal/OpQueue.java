package io.gatehouse.journal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The appender's inbox: an intrusive multi-producer single-consumer linked queue (Vyukov). Offering is one
 * atomic exchange and one release store, never a lock; the queue order is the order operations are
 * written and completed.
 */
final class OpQueue {

    private static final VarHandle NEXT;

    static {
        try {
            NEXT = MethodHandles.lookup().findVarHandle(PendingOp.class, "next", PendingOp.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final class Stub extends PendingOp {
    }

    private final AtomicReference<PendingOp> tail;
    /** Consumer only: the last node taken (or the stub); its successor is the next to take. */
    private PendingOp head;

    OpQueue() {
        PendingOp stub = new Stub();
        head = stub;
        tail = new AtomicReference<>(stub);
    }

    /** Any thread. */
    void offer(PendingOp op) {
        NEXT.set(op, (PendingOp) null);
        PendingOp previous = tail.getAndSet(op);
        NEXT.setRelease(previous, op);
    }

    /** Consumer only: the next operation, or null when the queue is empty. */
    PendingOp poll() {
        PendingOp h = head;
        PendingOp n = (PendingOp) NEXT.getAcquire(h);
        if (n == null) {
            if (tail.get() == h) {
                return null;
            }
            // a producer swapped the tail but has not linked its node yet: it will in a moment
            while ((n = (PendingOp) NEXT.getAcquire(h)) == null) {
                Thread.onSpinWait();
            }
        }
        // unlink the node left behind: should it have been promoted to the old generation, its next pointer
        // would keep every later operation alive through young collections (each promoting the next)
        NEXT.set(h, (PendingOp) null);
        head = n;
        return n;
    }

    /** Consumer only. */
    boolean isEmpty() {
        return tail.get() == head;
    }
}
