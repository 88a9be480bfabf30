package io.gatehouse.core.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * State changes that are applied atomically: after a crash either all of them are visible or none.
 * A batch is built by one thread and then handed to the store; it is not reused.
 */
public final class WriteBatch {

    /** One change: a put when {@code value} is non-null, a delete otherwise. */
    public record Op(StateKey key, byte[] value) {
        public Op {
            Objects.requireNonNull(key, "key");
        }

        public boolean isDelete() {
            return value == null;
        }
    }

    private final List<Op> ops = new ArrayList<>(2);
    private List<Op> readOnly;

    public static WriteBatch put(StateKey key, byte[] value) {
        return new WriteBatch().andPut(key, value);
    }

    public static WriteBatch delete(StateKey key) {
        return new WriteBatch().andDelete(key);
    }

    public WriteBatch andPut(StateKey key, byte[] value) {
        ops.add(new Op(key, Objects.requireNonNull(value, "value")));
        return this;
    }

    public WriteBatch andDelete(StateKey key) {
        ops.add(new Op(key, null));
        return this;
    }

    /** The operations in order, as one read-only view made on first use (the journal asks several times a write). */
    public List<Op> ops() {
        List<Op> view = readOnly;
        if (view == null) {
            view = Collections.unmodifiableList(ops);
            readOnly = view; // a race only makes a second, equal view
        }
        return view;
    }

    public boolean isEmpty() {
        return ops.isEmpty();
    }

    public int size() {
        return ops.size();
    }
}
