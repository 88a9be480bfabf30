package io.gatehouse.core.store;

import java.util.Objects;

/**
 * The key of one state entry: a kind, an owner (a device id, a queue, a consumer group; may be empty)
 * and a number within the owner. Keys are structured, never concatenated strings, so no owner value can
 * collide with another's.
 */
public record StateKey(RecordKind kind, String owner, long id) implements Comparable<StateKey> {

    public StateKey {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(owner, "owner");
    }

    public static StateKey of(RecordKind kind, String owner, long id) {
        return new StateKey(kind, owner, id);
    }

    public static StateKey of(RecordKind kind, String owner) {
        return new StateKey(kind, owner, 0);
    }

    /**
     * The key a store wrote as {@link #kindCode()}, owner and id. Stores keep the kind as an opaque code;
     * only the core knows what the codes mean.
     *
     * @throws IllegalArgumentException when no record kind has that code
     */
    public static StateKey decode(int kindCode, String owner, long id) {
        return new StateKey(RecordKind.fromCode(kindCode), owner, id);
    }

    /** The kind as the number a store writes; stable across versions. */
    public int kindCode() {
        return kind.code();
    }

    @Override
    public int compareTo(StateKey o) {
        int c = Integer.compare(kindCode(), o.kindCode());
        if (c != 0) {
            return c;
        }
        c = owner.compareTo(o.owner);
        return c != 0 ? c : Long.compare(id, o.id);
    }
}
