package io.gatehouse.journal;

import java.io.IOException;

/**
 * Recovery's reading of one segment: every record in order up to where writing stopped, telling a clean
 * end, a seal, a torn tail (an invalid record with nothing intact after it: a crash mid-write, cut off)
 * and corruption (an invalid record in a sealed segment, or one with intact records after it: refused).
 */
final class SegmentScanner {

    /** How a segment's records end. {@code end} is where the next record would go (or the seal's position). */
    record Result(long end, boolean sealed, boolean torn, int records) {
    }

    private SegmentScanner() {
    }

    static Result scan(RecordReader reader, Segment segment, long fileSize, boolean lastOfStream,
                       RecordReader.Visitor visitor) throws IOException {
        long position = SegmentHeader.SIZE;
        int records = 0;
        reader.invalidate();
        while (true) {
            RecordReader.Status status = reader.check(segment.channel, position, fileSize, segment.id, Integer.MAX_VALUE);
            if (status == RecordReader.Status.END) {
                return new Result(position, false, false, records);
            }
            if (status == RecordReader.Status.VALID) {
                int length = reader.checkedLength;
                int at = reader.offsetOf(position);
                if (reader.buffer().get(at + RecordFormat.TYPE) == RecordFormat.SEAL) {
                    return new Result(position, true, false, records);
                }
                visitor.record(position, reader.buffer(), at, length);
                records++;
                position += length;
                continue;
            }
            String reason = reader.invalidReason;
            if (!lastOfStream) {
                throw new JournalCorruptionException(segment.path, position, reason + " (in a segment that was sealed)");
            }
            long intact = reader.findValidRecord(segment.channel, position + 1, fileSize, segment.id, Integer.MAX_VALUE);
            if (intact >= 0) {
                throw new JournalCorruptionException(segment.path, position,
                        reason + ", followed by an intact record at offset " + intact);
            }
            return new Result(position, false, true, records);
        }
    }
}
