package io.gatehouse.journal;

import java.util.Objects;

/**
 * How a {@link JournalStore} lays out and syncs its files. Defaults suit a gateway; tests shrink the
 * segments to exercise rolling, reclaim and compaction quickly.
 *
 * @param eventPartitions   D2C partitions; persisted when the journal is created, must match afterwards
 * @param sync              when writes are forced (see {@link SyncPolicy})
 * @param segmentSize       size of every segment file (state and events); a record must fit in one
 * @param preallocate       zero-fill segment files before use, so a force never has to update file metadata
 * @param spareSegments     preallocated (or recycled) segment files kept ready, so a roll does not wait
 * @param compactBelow      a sealed state segment whose live bytes fall below this fraction is compacted
 * @param maxPassBytes      at most this much is encoded into one group-commit pass
 * @param indexIntervalBytes the event index keeps one entry per this many bytes of a segment
 * @param files             the file layer (tests inject faults through it)
 */
public record JournalOptions(int eventPartitions, SyncPolicy sync, int segmentSize, boolean preallocate,
                             int spareSegments, double compactBelow, int maxPassBytes, int indexIntervalBytes,
                             FileLayer files) {

    public static final int DEFAULT_SEGMENT_SIZE = 32 * 1024 * 1024;
    public static final int MIN_SEGMENT_SIZE = 4096;

    public JournalOptions {
        if (eventPartitions < 1 || eventPartitions > 1024) {
            throw new IllegalArgumentException("eventPartitions must be between 1 and 1024: " + eventPartitions);
        }
        Objects.requireNonNull(sync, "sync");
        if (segmentSize < MIN_SEGMENT_SIZE) {
            throw new IllegalArgumentException("segmentSize must be at least " + MIN_SEGMENT_SIZE + ": " + segmentSize);
        }
        if (spareSegments < 0) {
            throw new IllegalArgumentException("spareSegments must not be negative");
        }
        if (!(compactBelow >= 0 && compactBelow < 1)) {
            throw new IllegalArgumentException("compactBelow must be in [0, 1): " + compactBelow);
        }
        if (maxPassBytes < 4096) {
            throw new IllegalArgumentException("maxPassBytes must be at least 4096");
        }
        if (indexIntervalBytes < 1) {
            throw new IllegalArgumentException("indexIntervalBytes must be positive");
        }
        Objects.requireNonNull(files, "files");
    }

    public static JournalOptions defaults(int eventPartitions) {
        return new JournalOptions(eventPartitions, SyncPolicy.batch(), DEFAULT_SEGMENT_SIZE, true, 2, 0.3,
                4 * 1024 * 1024, 4096, NioFileLayer.INSTANCE);
    }

    /** The largest record a segment can take: header, one record, and the seal that closes it. */
    public int maxRecordSize() {
        return segmentSize - SegmentHeader.SIZE - RecordFormat.SEAL_SIZE;
    }

    public JournalOptions withSync(SyncPolicy value) {
        return new JournalOptions(eventPartitions, value, segmentSize, preallocate, spareSegments, compactBelow,
                maxPassBytes, indexIntervalBytes, files);
    }

    public JournalOptions withSegmentSize(int value) {
        return new JournalOptions(eventPartitions, sync, value, preallocate, spareSegments, compactBelow,
                maxPassBytes, indexIntervalBytes, files);
    }

    public JournalOptions withPreallocate(boolean value) {
        return new JournalOptions(eventPartitions, sync, segmentSize, value, spareSegments, compactBelow,
                maxPassBytes, indexIntervalBytes, files);
    }

    public JournalOptions withSpareSegments(int value) {
        return new JournalOptions(eventPartitions, sync, segmentSize, preallocate, value, compactBelow,
                maxPassBytes, indexIntervalBytes, files);
    }

    public JournalOptions withCompactBelow(double value) {
        return new JournalOptions(eventPartitions, sync, segmentSize, preallocate, spareSegments, value,
                maxPassBytes, indexIntervalBytes, files);
    }

    public JournalOptions withMaxPassBytes(int value) {
        return new JournalOptions(eventPartitions, sync, segmentSize, preallocate, spareSegments, compactBelow,
                value, indexIntervalBytes, files);
    }

    public JournalOptions withIndexIntervalBytes(int value) {
        return new JournalOptions(eventPartitions, sync, segmentSize, preallocate, spareSegments, compactBelow,
                maxPassBytes, value, files);
    }

    public JournalOptions withFiles(FileLayer value) {
        return new JournalOptions(eventPartitions, sync, segmentSize, preallocate, spareSegments, compactBelow,
                maxPassBytes, indexIntervalBytes, value);
    }
}
