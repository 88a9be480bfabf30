package io.gatehouse.core.registry;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Read-your-writes of the registry across nodes: a node that shares its store with others hears their registry
 * changes a moment after they commit, so a device created through another node a moment ago may still be unknown
 * here. Catching up waits until this node's copy holds every change committed before the call.
 */
@FunctionalInterface
public interface RegistryCatchUp {

    /** How long a read waits for the catch-up at most; then its first answer stands. */
    Duration LIMIT = Duration.ofSeconds(5);

    /** Completes once caught up (or fails when that cannot be known); empty when there is nothing to catch up with. */
    Optional<CompletableFuture<Void>> catchUp();

    /**
     * What {@code read} answers, read once more after catching up when the first answer is not {@code settled} (a
     * device not found, a token refused). Completes at once when it is, or when there is nothing to catch up with.
     */
    default <T> CompletableFuture<T> latest(Supplier<T> read, Predicate<T> settled) {
        T first = read.get();
        if (settled.test(first)) {
            return CompletableFuture.completedFuture(first);
        }
        return catchUp()
                .map(caughtUp -> caughtUp.orTimeout(LIMIT.toMillis(), TimeUnit.MILLISECONDS)
                        .handle((ok, failure) -> failure == null ? read.get() : first))
                .orElseGet(() -> CompletableFuture.completedFuture(first));
    }
}
