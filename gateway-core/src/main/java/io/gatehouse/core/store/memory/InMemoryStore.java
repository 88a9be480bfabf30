package io.gatehouse.core.store.memory;

import io.gatehouse.core.store.Store;

/** A store that keeps everything in memory: nothing survives the process. Not durable. */
public final class InMemoryStore implements Store {

    private final InMemoryStateStore state = new InMemoryStateStore();
    private final InMemoryEventLog events;

    public InMemoryStore(int partitions) {
        this.events = new InMemoryEventLog(partitions);
    }

    @Override
    public InMemoryStateStore state() {
        return state;
    }

    @Override
    public InMemoryEventLog events() {
        return events;
    }

    @Override
    public boolean isDurable() {
        return false;
    }

    @Override
    public void close() {
        state.close();
    }
}
