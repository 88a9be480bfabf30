package io.gatehouse.core.queue;

import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;

/** The two kinds of lifecycle queue, each with its own record kinds in the store. */
public enum QueueKind {
    C2D(RecordKind.C2D_MESSAGE, RecordKind.C2D_DELIVERY_COUNT),
    FEEDBACK(RecordKind.FEEDBACK_MESSAGE, RecordKind.FEEDBACK_DELIVERY_COUNT);

    private final RecordKind messageKind;
    private final RecordKind countKind;

    QueueKind(RecordKind messageKind, RecordKind countKind) {
        this.messageKind = messageKind;
        this.countKind = countKind;
    }

    public StateKey messageKey(String owner, long sequence) {
        return StateKey.of(messageKind, owner, sequence);
    }

    public StateKey countKey(String owner, long sequence) {
        return StateKey.of(countKind, owner, sequence);
    }

    public RecordKind messageKind() {
        return messageKind;
    }

    public RecordKind countKind() {
        return countKind;
    }
}
