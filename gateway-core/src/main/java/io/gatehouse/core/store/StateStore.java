package io.gatehouse.core.store;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The durable key-value state of the core: device identities, access policies, C2D and feedback
 * messages with their delivery counts, pending feedback records, consumer-group checkpoints and device
 * sessions. Implementations keep at least the location of every live entry in memory; the core reads the
 * large values (queued message bodies) back with {@link #read} when it needs them.
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
 *   <li>{@link #read} sees every batch whose future completed before it was called. It may read the disk, but
 *       never on the calling thread: it returns at once.</li>
 * </ul>
 */
public interface StateStore {

    /** Applies {@code batch} atomically; the future completes when it is durable. */
    CompletableFuture<Void> write(WriteBatch batch);

    /**
     * The current values of {@code keys}, in the same order: each key's live value, or null for a key with none.
     * Fails with a {@link StoreException} when the store cannot read them.
     */
    CompletableFuture<List<byte[]>> read(List<StateKey> keys);

    /**
     * Visits every live entry (recovered at open). Called once, at start, before the first write. Order
     * is unspecified; the core sorts what needs an order.
     */
    void forEachLive(StateVisitor visitor);

    /**
     * Registers the one listener told about entries that another writer (another gateway node sharing this
     * store) changed, with the entry's new value, or null when it was deleted. Only a store that several nodes
     * share reports anything, and only for the kinds every node keeps a copy of (the device registry, twins, sessions, checkpoints); it calls
     * the listener on a store thread, after the change committed. The default: nothing to report.
     */
    default void onChangedElsewhere(StateVisitor listener) {
    }

    /**
     * For a store other nodes write too: completes once every change of the shared rows (those reported to
     * {@link #onChangedElsewhere}) that another node committed before this call has reached that listener; fails
     * when that cannot be known. A store of one node has nothing to catch up with: empty.
     */
    default Optional<CompletableFuture<Void>> catchUp() {
        return Optional.empty();
    }

    /** Which node owns each device's queue; a store of one node owns them all. */
    default DeviceOwnership ownership() {
        return DeviceOwnership.SOLE;
    }

    /** Why writes are refused for now (the engine is unreachable), or empty while it takes them. */
    default Optional<String> unavailability() {
        return Optional.empty();
    }

    @FunctionalInterface
    interface StateVisitor {
        void visit(StateKey key, byte[] value);
    }
}
