package io.gatehouse.journal;

import io.gatehouse.core.store.EventRecord;

/** A D2C event on its way to its partition's stream. */
final class EventAppend extends PendingOp {

    final int partition;
    final EventRecord record;
    /** The partition's segment of the file the record went to (appender only). */
    EventSegment eventSegment;

    EventAppend(int partition, EventRecord record) {
        this.partition = partition;
        this.record = record;
    }
}
