package io.gatehouse.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.journal.SegmentHeader.StreamKind;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spare files: zero-filled ahead of time, recycled from reclaimed segments, named only once their header is durable. */
class SegmentAllocatorTest {

    private static final int SIZE = 16 * 1024;

    @TempDir
    Path dir;

    private final JournalOptions options = JournalOptions.defaults(1).withSegmentSize(SIZE).withSpareSegments(1);

    @Test
    void aSegmentStartsZeroFilledWithItsHeader() throws Exception {
        SegmentAllocator allocator = new SegmentAllocator(dir, options, 1);
        SegmentAllocator.Activation a = allocator.activate(StreamKind.EVENTS, 2, 0);
        try (JournalChannel channel = a.channel()) {
            assertThat(a.path().getFileName().toString()).isEqualTo(SegmentNames.event(2, a.id()));
            assertThat(channel.size()).isEqualTo(SIZE);
            ByteBuffer header = ByteBuffer.allocate(SegmentHeader.SIZE);
            channel.read(header, 0);
            assertThat(SegmentHeader.decode(header.flip())).satisfies(h -> {
                assertThat(h.kind()).isEqualTo(StreamKind.EVENTS);
                assertThat(h.partition()).isEqualTo(2);
                assertThat(h.segmentId()).isEqualTo(a.id());
            });
            assertThat(new RecordReader(4096).check(channel, SegmentHeader.SIZE, SIZE, a.id(), SIZE))
                    .isEqualTo(RecordReader.Status.END);
        }
    }

    @Test
    void aRecycledFileNeverShowsItsFormerRecordsAsNewOnes() throws Exception {
        SegmentAllocator allocator = new SegmentAllocator(dir, options, 1);
        SegmentAllocator.Activation first = allocator.activate(StreamKind.STATE, -1, 0);
        // fill the first segment with records of its own id
        ByteBuffer records = ByteBuffer.allocate(SIZE - SegmentHeader.SIZE);
        CRC32C crc = new CRC32C();
        while (records.remaining() >= 100) {
            int start = records.position();
            RecordFormat.writeHeader(records, start, RecordFormat.STATE, first.id(), start);
            records.putInt(start + RecordFormat.HEADER_SIZE, 0);
            records.position(start + RecordFormat.HEADER_SIZE + 4);
            RecordFormat.finish(records, records.duplicate(), crc, start, RecordFormat.HEADER_SIZE + 4);
        }
        records.flip();
        first.channel().writeFully(records, SegmentHeader.SIZE);
        StateSegment segment = new StateSegment(first.id(), first.path(), first.channel(), SIZE);
        allocator.release(segment);
        assertThat(allocator.spareCount()).isEqualTo(1);
        assertThat(Files.exists(first.path())).isFalse();

        SegmentAllocator.Activation second = allocator.activate(StreamKind.STATE, -1, first.id());
        try (JournalChannel channel = second.channel()) {
            assertThat(second.id()).isGreaterThan(first.id());
            assertThat(allocator.spareCount()).isZero(); // it took the recycled file
            RecordReader reader = new RecordReader(4096);
            assertThat(reader.check(channel, SegmentHeader.SIZE, SIZE, second.id(), SIZE)).isEqualTo(RecordReader.Status.END);
            // and the stale records after that end are of the old id
            assertThat(reader.check(channel, SegmentHeader.SIZE + RecordFormat.HEADER_SIZE + 4, SIZE, second.id(), SIZE))
                    .isEqualTo(RecordReader.Status.INVALID);
            assertThat(reader.findValidRecord(channel, SegmentHeader.SIZE, SIZE, second.id(), SIZE)).isEqualTo(-1);
        }
    }

    @Test
    void withoutPreallocationSegmentsGrowFromEmpty() throws Exception {
        SegmentAllocator allocator = new SegmentAllocator(dir, options.withPreallocate(false), 5);
        assertThat(allocator.needsSpares()).isFalse();
        SegmentAllocator.Activation a = allocator.activate(StreamKind.STATE, -1, 0);
        try (JournalChannel channel = a.channel()) {
            assertThat(a.id()).isEqualTo(6); // id 5 named the temporary file it was made as
            assertThat(channel.size()).isEqualTo(SegmentHeader.SIZE + 4);
        }
    }
}
