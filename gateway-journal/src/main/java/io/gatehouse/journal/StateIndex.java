package io.gatehouse.journal;

import io.gatehouse.core.store.StateKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The in-memory index of the state stream: for every key, where its current record is; for every segment,
 * how many of its records are still current. Changes are applied in journal order, only once durable.
 * Confined to the appender thread (and to the opening thread during recovery).
 *
 * <p>Rules: a put makes the key's previous record dead. A delete makes the previous put dead; the delete
 * itself stays live only while another segment still holds a put of the key (it depends on those
 * segments, and dies when the last of them is deleted). A segment with no live records can be deleted.
 */
final class StateIndex {

    private final KeyTable entries = new KeyTable();
    private final TreeMap<Long, StateSegment> segments = new TreeMap<>();
    /** Segments whose live count reached zero since the last {@link #drainEmptied()}. */
    private final List<StateSegment> emptied = new ArrayList<>();
    private long liveKeys;
    private Map<String, String> recoveryOwners;

    /** An index that recovery fills from disk: it pools the owners of the keys it decodes until {@link #recovered()}. */
    static StateIndex forRecovery() {
        StateIndex index = new StateIndex();
        index.recoveryOwners = new HashMap<>();
        return index;
    }

    void addSegment(StateSegment segment) {
        segments.put(segment.id, segment);
    }

    Collection<StateSegment> segments() {
        return segments.values();
    }

    KeyEntry get(StateKey key) {
        return entries.get(key);
    }

    /** Keys whose current record is a put. */
    long liveKeys() {
        return liveKeys;
    }

    /** Entries whose current record is a delete that must stay. */
    long neededTombstones() {
        return entries.size() - liveKeys;
    }

    /** A put of {@code key} in the record at {@code position} of {@code segment}. */
    void put(StateKey key, StateSegment segment, long position, int size) {
        KeyEntry entry = entries.get(key);
        if (entry == null) {
            entry = new KeyEntry(key, sharedOwner(key.owner()));
            entries.add(entry);
            liveKeys++;
        } else {
            release(entry.segment, entry.size);
            if (entry.tombstone) {
                liveKeys++;
            }
        }
        entry.tombstone = false;
        place(entry, segment, position, size);
        entry.addPut(segment);
    }

    /** A delete of {@code key} in the record at {@code position} of {@code segment}. */
    void delete(StateKey key, StateSegment segment, long position, int size) {
        KeyEntry entry = entries.get(key);
        if (entry == null || entry.tombstone) {
            return; // nothing current to delete: this tombstone protects nothing an older one does not
        }
        release(entry.segment, entry.size);
        liveKeys--;
        if (!entry.hasPutsOutside(segment)) {
            entries.remove(key); // every put of the key is in this segment, before the delete: it goes with them
            return;
        }
        entry.tombstone = true;
        place(entry, segment, position, size);
        KeyEntry tombstone = entry;
        entry.forEachPutOutside(segment, older -> older.dependents.add(tombstone));
    }

    /** True when the record at {@code position} of {@code segment} is the current one of {@code key}. */
    boolean isCurrent(StateKey key, StateSegment segment, long position) {
        KeyEntry entry = entries.get(key);
        return entry != null && entry.segment == segment && entry.position == position;
    }

    /** Compaction copied the current record of {@code key} (put or tombstone) to {@code segment}. */
    void relocate(StateKey key, StateSegment segment, long position, int size) {
        KeyEntry entry = entries.get(key);
        release(entry.segment, entry.size);
        place(entry, segment, position, size);
        if (!entry.tombstone) {
            entry.addPut(segment);
        }
    }

    /**
     * {@code segment}'s file is gone (durably): tombstones that waited for it may die now. Adds the
     * segments this empties to the emptied list.
     */
    void segmentDeleted(StateSegment segment) {
        segment.deleted = true;
        segment.retired = true;
        segments.remove(segment.id);
        for (KeyEntry entry : segment.dependents) {
            if (entry.tombstone && !entry.hasPutsOutside(entry.segment) && entries.remove(entry)) {
                release(entry.segment, entry.size);
            }
        }
        segment.dependents = List.of();
    }

    /**
     * {@code segment} is out of use but may still be on disk (its removal failed or is not known durable):
     * forget it, but keep every tombstone that waits for it, which is always safe.
     */
    void abandon(StateSegment segment) {
        segment.retired = true;
        segments.remove(segment.id);
    }

    /** A segment was sealed: if nothing in it is live, it can go. */
    void sealed(StateSegment segment) {
        if (segment.live == 0) {
            emptied.add(segment);
        }
    }

    /** Sealed, undeleted segments with no live record, collected since the last call. */
    List<StateSegment> drainEmptied() {
        List<StateSegment> out = new ArrayList<>();
        for (StateSegment s : emptied) {
            if (s.sealed && !s.deleted && !s.retired && s.live == 0 && !out.contains(s)) {
                out.add(s);
            }
        }
        emptied.clear();
        return out;
    }

    /** The sealed segment most worth compacting (lowest live ratio below {@code threshold}), or null. */
    StateSegment compactionCandidate(double threshold) {
        StateSegment best = null;
        for (StateSegment s : segments.values()) {
            if (s.sealed && !s.deleted && !s.compacting && s.live > 0 && s.liveRatio() < threshold
                    && (best == null || s.liveRatio() < best.liveRatio())) {
                best = s;
            }
        }
        return best;
    }

    /** Where a current put is: what {@code forEachLive} and {@code read} read back. */
    record LivePut(StateKey key, StateSegment segment, long position) {
    }

    /** Where the current put of {@code key} is, or null when it has none. */
    LivePut locate(StateKey key) {
        KeyEntry entry = entries.get(key);
        return entry == null || entry.tombstone ? null : new LivePut(key, entry.segment, entry.position);
    }

    /** Every current put (a snapshot, safe to hand to another thread). */
    List<LivePut> livePuts() {
        List<LivePut> out = new ArrayList<>((int) Math.min(Integer.MAX_VALUE, liveKeys));
        entries.forEach(entry -> {
            if (!entry.tombstone) {
                out.add(new LivePut(entry.key(), entry.segment, entry.position));
            }
        });
        return out;
    }

    /**
     * The owner string a new entry keeps. Keys decoded from disk during recovery each bring a copy of their owner
     * (a device's 50 queued messages: 50 copies), so recovery shares one per owner; keys written at run time come
     * from the core, which passes the one string its queue holds.
     */
    private String sharedOwner(String owner) {
        return recoveryOwners == null ? owner : recoveryOwners.computeIfAbsent(owner, o -> o);
    }

    /** Recovery is over: owners are no longer pooled (the pool would only grow). */
    void recovered() {
        recoveryOwners = null;
    }

    private void place(KeyEntry entry, StateSegment segment, long position, int size) {
        entry.segment = segment;
        entry.position = (int) position;
        entry.size = size;
        segment.live++;
        segment.liveBytes += size;
    }

    private void release(StateSegment segment, int size) {
        segment.live--;
        segment.liveBytes -= size;
        if (segment.live == 0) {
            emptied.add(segment);
        }
    }
}
