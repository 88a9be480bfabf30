package io.gatehouse.core.events;

/**
 * Told once how an append ended: durable (no failure), refused, or lost by the store. For adapters that only
 * acknowledge and need no position: no future chain per event on the hot path.
 *
 * <p>It runs on the thread that completed the append: the caller's own, inside the append call, when the store
 * completes at once (in memory, or a refusal), otherwise a store thread. It must be quick and never block.
 */
@FunctionalInterface
public interface AppendCallback {

    /** {@code failure} is null when the event is durable; otherwise why it is not stored (possibly wrapped). */
    void appended(Throwable failure);
}
