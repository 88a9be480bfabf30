package io.gatehouse.core.store;

import io.gatehouse.core.model.DeviceId;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Which gateway node holds each device's C2D queue, and the hub's feedback queue, for stores that several nodes
 * share. A node keeps such a queue in memory, delivers from it and writes its entries only while it owns it; the
 * store refuses another node's writes to them (fencing). A store of one node owns everything ({@link #SOLE}).
 *
 * <p>Ownership moves in two ways: a device that opens a receiver on a node is claimed there ({@link #claim}, taking
 * it from whichever node had it), and a service call for a device is run where the device is owned, or claims it
 * for the calling node when no live node owns it ({@link #place}). The feedback queue is claimed by the node where
 * a feedback receiver opens while no live node owns it ({@link #placeFeedback}); a receiver on another node is served
 * by the owner; every node writes the feedback records of the messages its
 * devices settle under a tag of its own ({@link #recordTag}), and the owner collects them ({@link #feedbackRecords}).
 */
public interface DeviceOwnership {

    /** One node, which owns every device without claiming it. */
    DeviceOwnership SOLE = new DeviceOwnership() {
        @Override
        public boolean ownsEveryDevice() {
            return true;
        }

        @Override
        public CompletableFuture<Map<StateKey, byte[]>> claim(DeviceId device) {
            return CompletableFuture.completedFuture(Map.of());
        }

        @Override
        public CompletableFuture<Placement> place(DeviceId device, byte[] call, Duration answerWithin) {
            return CompletableFuture.completedFuture(new Placement.Claimed(Map.of()));
        }

        @Override
        public String recordTag() {
            return "";
        }

        @Override
        public CompletableFuture<Placement> placeFeedback(byte[] call, Duration answerWithin) {
            return CompletableFuture.completedFuture(new Placement.Claimed(Map.of()));
        }

        @Override
        public CompletableFuture<Map<StateKey, byte[]>> feedbackRecords() {
            return CompletableFuture.completedFuture(Map.of());
        }

        @Override
        public void listen(Listener listener) {
        }
    };

    /** What the feedback queue is owned as: not a valid device id, so no device can stand in for it. */
    String FEEDBACK = "/feedback";

    /**
     * What owns a state entry, for fencing: the device for C2D messages and delivery counts, {@link #FEEDBACK} for
     * feedback messages and their counts; null for entries any node may write (identities, twins, sessions,
     * checkpoints, and feedback records, which each node writes under its own {@link #recordTag}).
     */
    static String ownerOf(StateKey key) {
        return switch (key.kind()) {
            case C2D_MESSAGE, C2D_DELIVERY_COUNT -> key.owner();
            case FEEDBACK_MESSAGE, FEEDBACK_DELIVERY_COUNT -> FEEDBACK;
            default -> null;
        };
    }

    /** The kinds of a device's entries that belong to its owner. */
    List<RecordKind> DEVICE_KINDS = List.of(RecordKind.C2D_MESSAGE, RecordKind.C2D_DELIVERY_COUNT);

    /** True when this node owns every device without claiming: the store has no other node. */
    boolean ownsEveryDevice();

    /**
     * Makes this node the device's owner, taking it from the node that owned it (which is told to let go: {@link
     * Listener#released}). Completes, once no other node can change them any more, with the device's stored entries
     * of the {@link #DEVICE_KINDS}.
     */
    CompletableFuture<Map<StateKey, byte[]>> claim(DeviceId device);

    /**
     * Where a service call for {@code device} runs: the live node that owns it runs {@code call} and its answer comes
     * back ({@link Placement.Answered}; a busy failure when none comes within {@code answerWithin}); when no live node
     * owns it, this node claims it ({@link Placement.Claimed}) and runs the call itself.
     */
    CompletableFuture<Placement> place(DeviceId device, byte[] call, Duration answerWithin);

    /**
     * The owner of the feedback records this node writes: "" on a node alone; a tag of its own when nodes share the
     * store, so that records numbered by different nodes never share a key.
     */
    String recordTag();

    /**
     * Where a feedback receiver's take or settlement runs: the live node that owns the feedback queue runs {@code call}
     * and its answer comes back ({@link Placement.Answered}); when no live node owns it, this node claims it as {@link
     * #claim} does a device's ({@link Placement.Claimed}: the stored feedback messages, their delivery counts, and the
     * feedback records of every node) and runs the call itself.
     */
    CompletableFuture<Placement> placeFeedback(byte[] call, Duration answerWithin);

    /** The feedback records every node stored and no feedback message holds yet: what the feedback owner collects. */
    CompletableFuture<Map<StateKey, byte[]>> feedbackRecords();

    /**
     * The node {@link #place} ran the last call on no longer owns the device (it answered that it moved): the next
     * placement must look the owner up again rather than reuse what it learned.
     */
    default void forgetOwner(DeviceId device) {
    }

    /** As {@link #forgetOwner}, for the feedback queue. */
    default void forgetFeedbackOwner() {
    }

    /**
     * The nodes sharing the store, as last seen (refreshed about every second; nodes silent for more than an hour are
     * left out). Empty for a store of one node.
     */
    default List<ClusterMember> members() {
        return List.of();
    }

    /**
     * An Event Hubs reader with {@code ownerLevel} (null: none) opened on this node for a consumer group's partition.
     * Completes when no live node's reader holds a higher level (or, for a reader without a level, any level): then
     * the readers of other nodes with a lower or equal level are displaced ({@link Listener#readersDisplaced}). Fails
     * with an {@code OwnerLevelConflictException} otherwise. A store of one node has nothing to check.
     */
    default CompletableFuture<Void> claimReader(String consumerGroup, int partition, Long ownerLevel) {
        return CompletableFuture.completedFuture(null);
    }

    /** The reader with {@code ownerLevel} that this node claimed closed. */
    default void releaseReader(String consumerGroup, int partition, long ownerLevel) {
    }

    /**
     * Hands {@code call} about {@code device} to every other live node, owner or not (what only the node holding a
     * connection knows, such as a module's); completes with the answers that came within {@code answerWithin}. Empty
     * for a store of one node.
     */
    default CompletableFuture<List<byte[]>> askEveryNode(DeviceId device, byte[] call, Duration answerWithin) {
        return CompletableFuture.completedFuture(List.of());
    }

    /** Registers the one listener for what other nodes ask of this one. */
    void listen(Listener listener);

    /** The outcome of {@link #place}. */
    sealed interface Placement {
        /** This node owns the device now; the device's stored entries, as {@link #claim} gives them. */
        record Claimed(Map<StateKey, byte[]> entries) implements Placement {
        }

        /** The owner ran the call; its answer. */
        record Answered(byte[] answer) implements Placement {
        }
    }

    /** What other nodes ask of this one; called on a store thread. */
    interface Listener {
        /**
         * Another node claimed {@code device} (or the store found this node's writes for it refused): forget its queue
         * without writing, close its connection.
         */
        void released(DeviceId device);

        /** A service call that another node placed here; completes with the answer to send back. */
        CompletableFuture<byte[]> called(DeviceId device, byte[] call);

        /**
         * This node took over a device that no live node owned (its owner stopped or died) with the device's stored
         * entries: its queue is restored here, so that its expiries and lock timeouts run again.
         */
        void adopted(DeviceId device, Map<StateKey, byte[]> entries);

        /** A reader with {@code ownerLevel} opened on another node: readers here with a lower or equal level, or none, go. */
        void readersDisplaced(String consumerGroup, int partition, long ownerLevel);

        /** Another node claimed the feedback queue (this one was taken for dead): forget it without writing. */
        void feedbackReleased();

        /** This node took over the feedback queue from a node that stopped or died, with its entries. */
        void feedbackAdopted(Map<StateKey, byte[]> entries);
    }
}
