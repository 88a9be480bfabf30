package io.gatehouse.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The sparse index a read starts from: without entries every read would scan its segment from the start. */
class EventSegmentIndexTest {

    private static final int INTERVAL = 1024;

    private final EventSegment segment = EventFile.shared(1, Path.of("events-1.seg"), null, SegmentHeader.SIZE, null).segmentOf(0);

    @Test
    void theFirstRecordIsIndexedThenOneRecordPerInterval() {
        long position = SegmentHeader.SIZE;
        for (long sequence = 0; sequence < 100; sequence++) {
            segment.index(sequence, sequence * 100, 1_000 + sequence, position, INTERVAL);
            position += 100;
        }
        // 100 records of 100 bytes: the first, then one at least every 1024 bytes
        assertThat(segment.index.size()).isEqualTo(10);
        assertThat(segment.index.floorBySequence(0)).isEqualTo(SegmentHeader.SIZE);
    }

    @Test
    void aReadStartsAtMostOneIntervalBeforeItsRecord() {
        long position = SegmentHeader.SIZE;
        long positionOf90 = -1;
        for (long sequence = 0; sequence < 100; sequence++) {
            if (sequence == 90) {
                positionOf90 = position;
            }
            segment.index(sequence, sequence * 100, 1_000 + sequence, position, INTERVAL);
            position += 100;
        }
        long start = segment.index.floorBySequence(90);
        assertThat(start).isLessThanOrEqualTo(positionOf90).isGreaterThan(positionOf90 - INTERVAL - 100);
        assertThat(segment.index.lastBeforeOffset(9_000)).isLessThan(9_000 + SegmentHeader.SIZE).isPositive();
        assertThat(segment.index.lastBeforeTime(1_090)).isGreaterThan(positionOf90 - INTERVAL - 100);
    }
}
