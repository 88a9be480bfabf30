package io.gatehouse.core.registry;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Read-your-writes of the registry across nodes: a node that shares its store with others hears their registry
 * changes a moment after they commit, so a device created through another node a moment ago may still be unknown
 * here. Catching up waits until this node's copy holds every change committed before the call.
 */
@FunctionalInterface
public interface RegistryCatchUp {

    /** A node alone: its copy is the registry, nothing to wait for. */
    RegistryCatchUp NONE = Optional::empty;

    /** Completes once caught up (or fails when that cannot be known); empty when there is nothing to catch up with. */
    Optional<CompletableFuture<Void>> catchUp();
}
