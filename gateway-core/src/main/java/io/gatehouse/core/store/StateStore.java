package io.gatehouse.core.store;

import java.util.concurrent.CompletableFuture;

/**
 * The durable key-value state of the core: device identities, access policies, C2D and feedback
 * messages with their delivery counts, pending feedback records, consumer-group checkpoints and device
 * sessions. The live set is small (bounded queues), so implementations may keep it all in memory.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #write} applies a batch atomically and completes its future only once the batch is
 *       durable (or fails it with a {@link StoreException}; then the batch may or may not be durable,
 *       so callers must treat the change as unconfirmed).</li>
 *   <li>Batches become durable in the order {@link #write} was called, across all threads; completions
 *       are signalled in that same order. So when a batch's future completes, every batch written
 *       before it is durable too.</li>
 *   <li>{@link #write} never blocks on I/O; it may be called from any thread, including event loops.</li>
 *   <li>Futures may complete on a store thread: callers hand work back to their own thread.</li>
 * </ul>
 */
public interface StateStore {

    /** Applies {@code batch} atomically; the future completes when it is durable. */
    CompletableFuture<Void> write(WriteBatch batch);

    /**
     * Visits every live entry (recovered at open). Called once, at start, before the first write. Order
     * is unspecified; the core sorts what needs an order.
     */
    void forEachLive(StateVisitor visitor);

    @FunctionalInterface
    interface StateVisitor {
        void visit(StateKey key, byte[] value);
    }
}
