package io.gatehouse.cluster;

import io.gatehouse.core.store.EventRecord;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The oldest and newest event of one partition as far as this node knows, so that {@code first} and
 * {@code last} cost no round trip. Appends and the tail follower only ever widen them; the periodic
 * retention call moves the oldest forward.
 */
final class PartitionBounds {

    private final AtomicReference<EventRecord> oldest = new AtomicReference<>();
    private final AtomicReference<EventRecord> newest = new AtomicReference<>();

    PartitionBounds(EventRecord oldest, EventRecord newest) {
        this.oldest.set(oldest);
        this.newest.set(newest);
    }

    EventRecord oldest() {
        return oldest.get();
    }

    EventRecord newest() {
        return newest.get();
    }

    /** Events from {@code first} to {@code last} are stored (they may come from any node, in any order). */
    void seen(EventRecord first, EventRecord last) {
        oldest.accumulateAndGet(first, (known, seen) -> known == null || seen.offset() < known.offset() ? seen : known);
        newest.accumulateAndGet(last, (known, seen) -> known == null || seen.offset() > known.offset() ? seen : known);
    }

    /** Retention removed what came before {@code retained} (null: everything but what is newer than the newest known). */
    void retainedFrom(EventRecord retained) {
        oldest.set(retained);
    }
}
