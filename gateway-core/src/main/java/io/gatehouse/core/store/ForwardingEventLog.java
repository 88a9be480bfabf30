package io.gatehouse.core.store;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An event log that passes every call to another: the base of decorators that change one thing (how appends
 * are timed, measured or, in tests, held back) and leave the rest alone.
 */
public abstract class ForwardingEventLog implements EventLog {

    protected final EventLog delegate;

    protected ForwardingEventLog(EventLog delegate) {
        this.delegate = delegate;
    }

    @Override
    public int partitions() {
        return delegate.partitions();
    }

    @Override
    public CompletableFuture<Void> append(int partition, EventRecord record) {
        return delegate.append(partition, record);
    }

    @Override
    public Optional<String> unavailability() {
        return delegate.unavailability();
    }

    @Override
    public boolean assignsPositions() {
        return delegate.assignsPositions();
    }

    @Override
    public CompletableFuture<EventRecord> appendAssigned(int partition, byte[] payload) {
        return delegate.appendAssigned(partition, payload);
    }

    @Override
    public void onAppended(AppendListener listener) {
        delegate.onAppended(listener);
    }

    @Override
    public List<EventRecord> read(int partition, long fromSequence, int maxEvents) {
        return delegate.read(partition, fromSequence, maxEvents);
    }

    @Override
    public EventRecord first(int partition) {
        return delegate.first(partition);
    }

    @Override
    public EventRecord last(int partition) {
        return delegate.last(partition);
    }

    @Override
    public long sequenceAtOffset(int partition, long offset) {
        return delegate.sequenceAtOffset(partition, offset);
    }

    @Override
    public long sequenceAtTime(int partition, long epochMillis) {
        return delegate.sequenceAtTime(partition, epochMillis);
    }

    @Override
    public void removeBefore(int partition, long epochMillis) {
        delegate.removeBefore(partition, epochMillis);
    }
}
