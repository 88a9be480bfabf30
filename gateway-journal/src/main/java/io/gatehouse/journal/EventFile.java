package io.gatehouse.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A segment file of events. New files are shared: the events of every partition, in the order they were
 * committed, so a pass forces one event file however many partitions it touched. Files of format version 1
 * hold one partition each ({@link #onlyPartition} >= 0) and are only read until retention removes them.
 *
 * <p>Each partition sees the file through its own {@link EventSegment}. The file is released when nothing
 * holds it any more: not the writer (until it sealed the file) and none of the partitions' segments.
 */
final class EventFile extends Segment {

    private final FileLayer files;
    /** The one partition of a version-1 file, or -1 for a shared file. */
    final int onlyPartition;
    private final AtomicInteger holders;
    /** The partitions' segments of this file, in the order they were created (appender or recovery only). */
    final List<EventSegment> segments = new ArrayList<>(4);
    private JournalChannel readChannel;

    private EventFile(long id, Path path, JournalChannel channel, long end, FileLayer files, int onlyPartition,
                      int holders) {
        super(id, path, channel, end);
        this.files = files;
        this.onlyPartition = onlyPartition;
        this.holders = new AtomicInteger(holders);
    }

    /** A shared file the writer holds until it seals it. */
    static EventFile shared(long id, Path path, JournalChannel channel, long end, FileLayer files) {
        return new EventFile(id, path, channel, end, files, -1, 1);
    }

    /** A shared file found sealed at recovery: only its segments will hold it. */
    static EventFile sealedShared(long id, Path path, JournalChannel channel, long end, FileLayer files) {
        return new EventFile(id, path, channel, end, files, -1, 0);
    }

    /** A version-1 file of one partition: never written again, held by its one segment. */
    static EventFile ofPartition(int partition, long id, Path path, JournalChannel channel, long end, FileLayer files) {
        return new EventFile(id, path, channel, end, files, partition, 0);
    }

    /** The segment through which {@code partition} sees this file (appender or recovery): created once. */
    EventSegment segmentOf(int partition) {
        for (EventSegment s : segments) {
            if (s.partition == partition) {
                return s;
            }
        }
        EventSegment s = new EventSegment(this, partition);
        segments.add(s);
        holders.incrementAndGet();
        return s;
    }

    /** True when the record at {@code at} belongs to {@code partition}. */
    boolean holds(ByteBuffer buf, int at, int partition) {
        return onlyPartition >= 0 || buf.getInt(at + RecordFormat.EVENT_PARTITION) == partition;
    }

    /** One holder lets go; true when it was the last, and the file may be released. */
    boolean letGo() {
        return holders.decrementAndGet() == 0;
    }

    /**
     * The channel readers use: separate from the writer's, so a reader thread interrupted mid-read (which
     * closes the channel it used) never breaks the writer. Reopened when that happened.
     */
    synchronized JournalChannel readChannel() throws IOException {
        if (retired) {
            throw new ClosedChannelException();
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
