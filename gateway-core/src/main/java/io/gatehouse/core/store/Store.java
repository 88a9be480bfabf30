package io.gatehouse.core.store;

import java.util.Optional;

/**
 * Everything the core persists: its key-value state and the D2C event log. Opened (and recovered) by
 * whoever creates it, closed by the core's owner after the core stops.
 */
public interface Store extends AutoCloseable {

    StateStore state();

    EventLog events();

    /** True when acknowledgements mean "on disk"; false for memory and for a journal that never syncs. */
    boolean isDurable();

    /**
     * Why the store refuses new work for now (an engine it needs is unreachable), or empty while it takes work.
     * Stores that live in this process are always available.
     */
    default Optional<String> unavailability() {
        return state().unavailability().or(() -> events().unavailability());
    }

    /** Flushes what was accepted and releases files. Writes after close fail. */
    @Override
    void close();
}
