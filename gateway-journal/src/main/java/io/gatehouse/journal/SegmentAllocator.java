package io.gatehouse.journal;

import io.gatehouse.journal.SegmentHeader.StreamKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands out segment files. Keeps a pool of spare files, zero-filled ahead of time (or recycled from
 * reclaimed segments), so that a force never has to grow a file and a roll rarely waits. A spare becomes
 * a segment by getting its header (written and forced first) and then its name.
 *
 * <p>Thread-safe: the appender activates and recycles, the housekeeper fills the pool, retention recycles.
 */
final class SegmentAllocator {

    private static final Logger log = LoggerFactory.getLogger(SegmentAllocator.class);
    /**
     * Zeros are written and, when durable, forced this much at a time. On ext4 (ordered data) a file-system
     * journal commit, which a roll's directory sync causes, first writes every newly allocated dirty block,
     * a spare's too: a 32 MB spare forced only at the end could hold such a commit for as long as the disk
     * takes to write it all; so a spare never has more than this unsynced.
     */
    private static final int ZERO_CHUNK = 256 * 1024;

    /** A fresh segment: named, header durable, ready for records. */
    record Activation(long id, Path path, JournalChannel channel) {
    }

    private final Path directory;
    private final FileLayer files;
    private final JournalOptions options;
    private final boolean durable;
    private final AtomicLong nextId;
    private final ConcurrentLinkedQueue<Path> spares = new ConcurrentLinkedQueue<>();
    private final AtomicInteger spareCount = new AtomicInteger();
    private volatile boolean spareFailureLogged;

    SegmentAllocator(Path directory, JournalOptions options, long firstFreeId) {
        this.directory = directory;
        this.files = options.files();
        this.options = options;
        this.durable = options.sync().isDurable();
        this.nextId = new AtomicLong(firstFreeId);
    }

    Path directory() {
        return directory;
    }

    FileLayer files() {
        return files;
    }

    long nextId() {
        return nextId.getAndIncrement();
    }

    /** A spare found at open; kept if it has the configured size, deleted otherwise. */
    void adoptSpare(Path spare, long size) throws IOException {
        if (options.preallocate() && size == options.segmentSize() && spareCount.get() < options.spareSegments()) {
            spares.add(spare);
            spareCount.incrementAndGet();
        } else {
            files.delete(spare);
        }
    }

    int spareCount() {
        return spareCount.get();
    }

    boolean needsSpares() {
        return options.preallocate() && spareCount.get() < options.spareSegments();
    }

    /** Fills the pool up to its target (housekeeper thread). Stops quietly at the first failure (disk full). */
    void replenish() {
        while (needsSpares()) {
            try {
                Path spare = createSpare();
                spares.add(spare);
                spareCount.incrementAndGet();
                spareFailureLogged = false;
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    return; // the store is closing
                }
                if (!spareFailureLogged) {
                    spareFailureLogged = true;
                    log.warn("Cannot prepare a spare journal segment in {}: {}", directory, e.toString());
                }
                return;
            }
        }
    }

    /**
     * Turns a spare (or a new file) into segment {@code id} of a stream: header written and forced, then the
     * file renamed and the directory synced. On failure nothing is left behind that recovery would take for
     * a segment.
     */
    Activation activate(StreamKind kind, int partition, long previousId) throws IOException {
        Path spare = spares.poll();
        if (spare != null) {
            spareCount.decrementAndGet();
        } else {
            spare = createSpare();
        }
        long id = nextId();
        Path target = directory.resolve(switch (kind) {
            case STATE -> SegmentNames.state(id);
            case EVENTS -> SegmentNames.event(partition, id);
            case SHARED_EVENTS -> SegmentNames.events(id);
        });
        JournalChannel channel = null;
        boolean renamed = false;
        try {
            channel = files.open(spare, false);
            // the header, then a zero length: a recycled file's stale records after it are never read
            ByteBuffer header = ByteBuffer.allocate(SegmentHeader.SIZE + 4);
            header.put(new SegmentHeader(kind, partition, id, previousId, System.currentTimeMillis()).encode()).clear();
            channel.writeFully(header, 0);
            if (durable) {
                channel.force(false);
            }
            files.move(spare, target);
            renamed = true;
            if (durable) {
                files.syncDirectory(directory);
            }
            return new Activation(id, target, channel);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            deleteQuietly(renamed ? target : spare);
            throw e;
        }
    }

    /**
     * A segment is no longer needed: its file becomes a spare when the pool wants one (its stale records carry
     * an older segment id, so they can never pass for new ones), otherwise it is deleted. The caller syncs the
     * directory after a group of these.
     */
    void release(Segment segment) throws IOException {
        recycle(segment.path, segment.channel);
    }

    /** A prepared segment that will not be used (the stream moved past its id): back to the spares. */
    void release(Activation unused) throws IOException {
        recycle(unused.path(), unused.channel());
    }

    private void recycle(Path file, JournalChannel channel) throws IOException {
        long size = -1;
        try {
            size = channel.size();
        } catch (IOException ignored) {
            // a file we cannot even measure is not worth keeping
        }
        closeQuietly(channel);
        if (options.preallocate() && size == options.segmentSize() && spareCount.get() < options.spareSegments()) {
            Path spare = directory.resolve(SegmentNames.spare(nextId()));
            files.move(file, spare);
            spares.add(spare);
            spareCount.incrementAndGet();
        } else {
            files.delete(file);
        }
    }

    void syncDirectory() throws IOException {
        if (durable) {
            files.syncDirectory(directory);
        }
    }

    /** A new spare file: zero-filled to the segment size when preallocating, empty otherwise. */
    private Path createSpare() throws IOException {
        long id = nextId();
        Path tmp = directory.resolve(SegmentNames.spare(id) + SegmentNames.TMP_SUFFIX);
        Path spare = directory.resolve(SegmentNames.spare(id));
        try (JournalChannel channel = files.open(tmp, true)) {
            if (options.preallocate()) {
                ByteBuffer zeros = ByteBuffer.allocateDirect(ZERO_CHUNK);
                long size = options.segmentSize();
                for (long at = 0; at < size; at += ZERO_CHUNK) {
                    zeros.clear().limit((int) Math.min(ZERO_CHUNK, size - at));
                    channel.writeFully(zeros, at);
                    if (durable) {
                        channel.force(false);
                    }
                }
                if (durable) {
                    channel.force(true);
                }
            }
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
        try {
            files.move(tmp, spare);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw e;
        }
        return spare;
    }

    private void deleteQuietly(Path file) {
        try {
            files.delete(file);
        } catch (IOException e) {
            log.debug("Could not delete {}: {}", file, e.toString());
        }
    }

    private static void closeQuietly(JournalChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }
}
