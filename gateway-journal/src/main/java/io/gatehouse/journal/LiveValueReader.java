package io.gatehouse.journal;

import io.gatehouse.core.store.StateStore.StateVisitor;
import io.gatehouse.core.store.StoreException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads live values out of the segment files at the places the index gave: what {@code forEachLive} and
 * {@code read} share. Compaction may copy a record elsewhere and reclaim its segment between the look-up and
 * the read; the file is closed before it is reused, so such a read fails cleanly and its keys are handed back
 * to be looked up again. Not thread-safe: one per reading thread.
 */
final class LiveValueReader {

    private static final Comparator<StateIndex.LivePut> FILE_ORDER = Comparator
            .comparingLong((StateIndex.LivePut p) -> p.segment().id)
            .thenComparingLong(StateIndex.LivePut::position);

    private final RecordReader reader;
    /** The keys sought in the record being read: those the index placed there. */
    private final WantedKeys wanted = new WantedKeys();
    /** What a read takes beyond the record asked for, when no other wanted record is near it. */
    private final int readAhead;

    /** Reads with {@code reader}, reading ahead as far as it is configured to. */
    LiveValueReader(RecordReader reader) {
        this(reader, Integer.MAX_VALUE);
    }

    /**
     * Reads with {@code reader}, reading {@code readAhead} bytes beyond a record, or on to the wanted records
     * that follow it closely (within the reader's buffer): one read then serves a run of them.
     */
    LiveValueReader(RecordReader reader, int readAhead) {
        this.reader = reader;
        this.readAhead = readAhead;
    }

    /**
     * Visits the value at each of {@code puts}, reading each record once, in file order. Returns the puts whose
     * segment was retired before it could be read.
     */
    List<StateIndex.LivePut> read(List<StateIndex.LivePut> puts, StateVisitor visitor) {
        List<StateIndex.LivePut> sorted = new ArrayList<>(puts);
        sorted.sort(FILE_ORDER);
        List<StateIndex.LivePut> retired = new ArrayList<>();
        reader.invalidate(); // a window from an earlier call may be of a file reused since
        int i = 0;
        int furthest = 0;
        while (i < sorted.size()) {
            StateIndex.LivePut first = sorted.get(i);
            wanted.clear();
            int j = i;
            while (j < sorted.size() && sorted.get(j).segment() == first.segment()
                    && sorted.get(j).position() == first.position()) {
                wanted.add(sorted.get(j).key());
                j++;
            }
            furthest = furthestWithinReach(sorted, i, Math.max(furthest, i));
            reader.readAhead((int) Math.min(Integer.MAX_VALUE, sorted.get(furthest).position() - first.position() + readAhead));
            try {
                readRecord(first.segment(), first.position(), visitor);
            } catch (ClosedChannelException e) {
                retired.addAll(sorted.subList(i, j));
            }
            i = j;
        }
        return retired;
    }

    /**
     * The last of the wanted records after {@code sorted[from]} that one read from there can take along (same
     * segment, within the buffer), searching on from {@code start}: the reach only grows, so the search never
     * goes back and a whole pass costs linear time.
     */
    private int furthestWithinReach(List<StateIndex.LivePut> sorted, int from, int start) {
        StateIndex.LivePut first = sorted.get(from);
        long reach = first.position() + reader.capacity() - readAhead;
        int furthest = start;
        while (furthest + 1 < sorted.size() && sorted.get(furthest + 1).segment() == first.segment()
                && sorted.get(furthest + 1).position() <= reach) {
            furthest++;
        }
        return furthest;
    }

    /** Visits the last operation on each of the {@link #wanted} keys in the record at {@code position} (a put: it is live). */
    private void readRecord(StateSegment segment, long position, StateVisitor visitor) throws ClosedChannelException {
        try {
            reader.readRange(segment, segment.channel, position, segment.durableEnd, Integer.MAX_VALUE,
                    (at, buf, start, length) -> {
                        try {
                            StateRecordCodec.decodeRaw(buf, start, length, (kindCode, b, ownerAt, ownerLength, id, valueStart,
                                    valueLength, size) -> wanted.offer(kindCode, b, ownerAt, ownerLength, id, valueStart, valueLength));
                        } catch (StateRecordCodec.MalformedRecordException e) {
                            throw new JournalCorruptionException(segment.path, at, e.getMessage());
                        }
                        for (int k = 0; k < wanted.size(); k++) {
                            if (wanted.value(k) != null) {
                                visitor.visit(wanted.key(k), wanted.value(k));
                            }
                        }
                        return false;
                    });
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw new StoreException("cannot read journal segment " + segment.fileName() + ": " + e.getMessage(), e);
        }
    }
}
