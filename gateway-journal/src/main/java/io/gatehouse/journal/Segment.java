package io.gatehouse.journal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One segment file of a stream: a {@link SegmentHeader}, then records. Only the appender thread writes it;
 * once sealed it never changes again.
 */
abstract class Segment {

    final long id;
    final Path path;
    final JournalChannel channel;
    /** Appender only: where the next record goes (for a sealed segment, where its seal is). */
    long writePosition;
    /** End of the records known to be durable; readers never look past it. */
    volatile long durableEnd;
    volatile boolean sealed;
    /** Durably removed from the directory. */
    volatile boolean deleted;
    /** Out of use (closed); perhaps still on disk when its removal failed. */
    volatile boolean retired;

    Segment(long id, Path path, JournalChannel channel, long end) {
        this.id = id;
        this.path = path;
        this.channel = channel;
        this.writePosition = end;
        this.durableEnd = end;
    }

    String fileName() {
        return path.getFileName().toString();
    }

    /** Bytes of records written (the header not counted). */
    long usedBytes() {
        return writePosition - SegmentHeader.SIZE;
    }

    void closeQuietly() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a file we no longer need: nothing to recover
        }
    }

    @Override
    public String toString() {
        return fileName();
    }
}
