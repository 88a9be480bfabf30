package io.gatehouse.journal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A segment of the state stream, with the live-record accounting reclaim and compaction decide on. */
final class StateSegment extends Segment {

    /** Operations here that are still current: the latest put of a key, or a delete still needed. */
    int live;
    long liveBytes;
    /** Tombstones elsewhere that must stay until this segment (holding older puts of their keys) is gone. */
    List<KeyEntry> dependents = new ArrayList<>(0);
    boolean compacting;

    StateSegment(long id, Path path, JournalChannel channel, long end) {
        super(id, path, channel, end);
    }

    /** Live bytes over written bytes; 1 for an empty segment. */
    double liveRatio() {
        long used = usedBytes();
        return used <= 0 ? 1 : (double) liveBytes / used;
    }
}
