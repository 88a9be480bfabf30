package io.gatehouse.core.queue;

import io.gatehouse.core.model.LockToken;
import java.util.concurrent.CompletableFuture;

/**
 * One consumer of a queue (a device connection's C2D link, a service's feedback link). Messages are pushed
 * to its {@link DeliverySink} while it has credit; each delivery uses one credit. Settlement operations
 * only act on locks this receiver holds: a token that is unknown, settled, expired or another receiver's
 * fails with {@link io.gatehouse.core.model.ErrorCode#LOCK_LOST} and changes nothing.
 *
 * <p>All methods may be called from any thread. Futures complete when the change is durable.
 */
public interface Receiver extends AutoCloseable {

    /** Allows {@code credit} more deliveries. */
    void addCredit(int credit);

    /** Sets the remaining credit (e.g. to 0 to stop deliveries). */
    void setCredit(int credit);

    /**
     * A poll for one message (an HTTPS GET): grants one credit only if a message can be locked for this
     * receiver right now. Completes with true when one was locked (its delivery follows through the sink), or
     * false when none was ready; either way the receiver is left with no credit, so nothing arrives later
     * unasked.
     */
    CompletableFuture<Boolean> pollOne();

    /** The message is done: it is removed (COMPLETED). */
    CompletableFuture<Void> complete(LockToken token);

    /** Give the message back: it is offered again (or dead-lettered if it reached its delivery limit). */
    CompletableFuture<Void> abandon(LockToken token);

    /** Dead-letter the message. Not reachable from MQTT, by design. */
    CompletableFuture<Void> reject(LockToken token);

    /** Stops deliveries and abandons every lock this receiver still holds, at once. */
    @Override
    void close();
}
