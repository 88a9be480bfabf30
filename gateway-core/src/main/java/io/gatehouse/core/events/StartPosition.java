package io.gatehouse.core.events;

import java.time.Instant;

/** Where a reader starts in a partition (the positions Event Hubs readers can ask for). */
public sealed interface StartPosition {

    /** The oldest retained event. */
    record Earliest() implements StartPosition {
    }

    /** Only events appended after the reader opened. */
    record Latest() implements StartPosition {
    }

    /** The event at {@code offset} (inclusive) or the first after it. */
    record FromOffset(long offset, boolean inclusive) implements StartPosition {
    }

    /** The event with {@code sequenceNumber} (inclusive) or the first after it. */
    record FromSequenceNumber(long sequenceNumber, boolean inclusive) implements StartPosition {
    }

    /** The first event enqueued after {@code time} (or at it, when inclusive). */
    record FromEnqueuedTime(Instant time, boolean inclusive) implements StartPosition {
    }

    static StartPosition earliest() {
        return new Earliest();
    }

    static StartPosition latest() {
        return new Latest();
    }
}
