package io.gatehouse.journal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A segment of one event partition: besides the file, what reads need without touching it — the range of
 * sequence numbers, offsets and times it holds (durable records only) and a {@link SparseIndex}.
 */
final class EventSegment extends Segment {

    final SparseIndex index = new SparseIndex();
    /** Sealed, and every record applied: what the index says is final (retention may take it). */
    volatile boolean complete;
    private final FileLayer files;
    volatile long lastSequence = -1;
    volatile long lastOffset = -1;
    volatile long lastTime = Long.MIN_VALUE;
    /** Appender (or recovery) only; -1 until the first record is indexed. */
    private long lastIndexed = -1;
    private JournalChannel readChannel;

    EventSegment(long id, Path path, JournalChannel channel, long end, FileLayer files) {
        super(id, path, channel, end);
        this.files = files;
    }

    /** A durable record at {@code position} (appender, or recovery): indexed when due. Not yet visible to readers. */
    void index(long sequence, long offset, long time, long position, int indexInterval) {
        // the first record always (a sentinel like Long.MIN_VALUE here would overflow the subtraction)
        if (lastIndexed < 0 || position - lastIndexed >= indexInterval) {
            index.add(sequence, position, offset, time);
            lastIndexed = position;
        }
    }

    /** Makes every record up to {@code end} visible; the last of them has these coordinates. */
    void published(long sequence, long offset, long time, long end) {
        lastOffset = offset;
        lastTime = time;
        lastSequence = sequence;
        durableEnd = end;
    }

    boolean isEmpty() {
        return lastSequence < 0;
    }

    /**
     * The channel readers use: separate from the writer's, so a reader thread interrupted mid-read (which
     * closes the channel it used) never breaks the writer. Reopened when that happened.
     */
    synchronized JournalChannel readChannel() throws IOException {
        if (retired) {
            throw new java.nio.channels.ClosedChannelException();
        }
        if (readChannel == null) {
            readChannel = files.open(path, false);
        }
        return readChannel;
    }

    /** A reader's channel failed: drop it so the next read opens a fresh one. */
    synchronized void resetReadChannel(JournalChannel failed) {
        if (readChannel == failed) {
            readChannel = null;
            closeQuietly(failed);
        }
    }

    synchronized void retire() {
        retired = true;
        if (readChannel != null) {
            closeQuietly(readChannel);
            readChannel = null;
        }
    }

    private static void closeQuietly(JournalChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to save
        }
    }
}
