package io.gatehouse.core.events;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Event Hubs owner levels ("epochs") of the readers of one consumer group's partition. A reader with an owner level
 * takes the partition: every reader holding a lower or equal level, and every reader without one, is taken over. A
 * reader is refused while another holds a higher level, and one without a level is refused while any reader holds
 * one. Readers without a level share the partition. Thread-safe: readers open and close on many event loops.
 */
final class ReaderOwnership {

    /** A reader the ownership knows: its level (null: none) and how to tell it that it lost the partition. */
    interface Holder {
        Long ownerLevel();

        void takenOver(String reason);
    }

    private record Key(String consumerGroup, int partition) {
    }

    private final Map<Key, List<Holder>> holders = new HashMap<>();

    /** Registers {@code holder}; returns the readers it took over (already forgotten), or throws {@link OwnerLevelConflictException}. */
    synchronized List<Holder> admit(String consumerGroup, int partition, Holder holder) {
        List<Holder> current = holders.computeIfAbsent(new Key(consumerGroup, partition), k -> new ArrayList<>());
        Long level = holder.ownerLevel();
        Long highest = highestLevel(current);
        if (level == null) {
            if (highest != null) {
                throw new OwnerLevelConflictException("a reader with owner level " + highest + " holds partition " + partition
                        + " of consumer group '" + consumerGroup + "'; a reader without an owner level cannot be opened");
            }
            current.add(holder);
            return List.of();
        }
        if (highest != null && highest > level) {
            throw new OwnerLevelConflictException("a reader with the higher owner level " + highest + " holds partition " + partition
                    + " of consumer group '" + consumerGroup + "'; owner level " + level + " cannot be used");
        }
        List<Holder> displaced = new ArrayList<>(current);
        current.clear();
        current.add(holder);
        return displaced;
    }

    /** A reader with {@code level} opened on another node: forgets and returns the readers here it displaces. */
    synchronized List<Holder> displace(String consumerGroup, int partition, long level) {
        List<Holder> current = holders.get(new Key(consumerGroup, partition));
        if (current == null) {
            return List.of();
        }
        List<Holder> displaced = new ArrayList<>();
        current.removeIf(h -> (h.ownerLevel() == null || h.ownerLevel() <= level) && displaced.add(h));
        if (current.isEmpty()) {
            holders.remove(new Key(consumerGroup, partition));
        }
        return displaced;
    }

    synchronized void release(String consumerGroup, int partition, Holder holder) {
        Key key = new Key(consumerGroup, partition);
        List<Holder> current = holders.get(key);
        if (current != null && current.remove(holder) && current.isEmpty()) {
            holders.remove(key);
        }
    }

    private static Long highestLevel(List<Holder> current) {
        Long highest = null;
        for (Holder h : current) {
            Long level = h.ownerLevel();
            if (level != null && (highest == null || level > highest)) {
                highest = level;
            }
        }
        return highest;
    }
}
