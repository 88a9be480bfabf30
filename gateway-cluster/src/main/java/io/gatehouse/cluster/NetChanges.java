package io.gatehouse.cluster;

import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.WriteBatch;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run of batches leaves behind, key by key: the last put's value, or {@link #DELETED}. Batches written
 * in one transaction only need their net effect, which lets every statement of the transaction be batched.
 */
final class NetChanges {

    /** The value of a key whose last change is a delete (compared by identity). */
    static final byte[] DELETED = new byte[0];

    private final Map<StateKey, byte[]> changes = new LinkedHashMap<>();

    void add(WriteBatch batch) {
        for (WriteBatch.Op op : batch.ops()) {
            changes.put(op.key(), op.isDelete() ? DELETED : op.value());
        }
    }

    Map<StateKey, byte[]> byKey() {
        return changes;
    }
}
