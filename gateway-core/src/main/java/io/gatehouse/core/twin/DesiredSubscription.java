package io.gatehouse.core.twin;

import java.util.List;
import java.util.function.Consumer;

/**
 * One connection's interest in a device's desired properties. Passes each version on once, in order: a patch no
 * newer than the last one passed on (or than the twin the device could read when it subscribed) is dropped.
 */
public final class DesiredSubscription implements AutoCloseable {

    private final Consumer<DesiredPatch> listener;
    private final List<DesiredSubscription> owner;
    private long lastVersion;
    private volatile boolean closed;

    DesiredSubscription(long lastVersion, Consumer<DesiredPatch> listener, List<DesiredSubscription> owner) {
        this.lastVersion = lastVersion;
        this.listener = listener;
        this.owner = owner;
    }

    synchronized void offer(DesiredPatch patch) {
        if (closed || patch.version() <= lastVersion) {
            return;
        }
        lastVersion = patch.version();
        listener.accept(patch);
    }

    @Override
    public void close() {
        closed = true;
        owner.remove(this);
    }
}
