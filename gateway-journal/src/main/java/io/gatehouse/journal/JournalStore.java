package io.gatehouse.journal;

import io.gatehouse.core.store.EventLog;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's durable store: an embedded, append-only journal in one data directory.
 *
 * <ul>
 *   <li>State: one stream of segments; each {@code WriteBatch} is one checksummed record (atomic). An
 *       in-memory index knows where every live entry is and how many live records each segment holds;
 *       dead segments are recycled, mostly dead ones compacted.</li>
 *   <li>Events: one stream of segments shared by all partitions (so a pass forces one event file), with a
 *       sparse in-memory index per partition and segment; retention deletes a segment once every partition
 *       is done with it.</li>
 *   <li>One appender thread commits everything in group-commit passes (one write and one force per dirty
 *       file per pass); futures complete, in order, only once their records are on disk (see
 *       {@link SyncPolicy}: with {@code never} they are not, and {@link #isDurable()} is false).</li>
 *   <li>Opening recovers: replays the state, indexes the events, cuts torn tails, refuses corruption
 *       ({@link JournalCorruptionException} names the file and offset).</li>
 *   <li>On a write error (disk full, I/O error) the affected futures fail with a {@code StoreException};
 *       the failed segment is sealed at its last durable record and later writes go to a new segment as soon
 *       as one can be created, so writing resumes by itself once space returns. Reads keep working
 *       throughout, and nothing durable is ever rewritten.</li>
 * </ul>
 */
public final class JournalStore implements Store {

    private static final Logger log = LoggerFactory.getLogger(JournalStore.class);

    private final Path directory;
    private final JournalOptions options;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final JournalStats.Counters stats;
    private final StateStream stateStream;
    private final EventPartition[] partitions;
    private final EventFileStream eventStream;
    private final ExecutorService housekeeper;
    private final Appender appender;
    private final JournalStateStore state;
    private final JournalEventLog events;
    private final AtomicBoolean closed = new AtomicBoolean();

    private JournalStore(Path directory, JournalOptions options, FileChannel lockChannel, FileLock lock,
                         JournalStats.Counters stats, JournalRecovery recovered) {
        this.directory = directory;
        this.options = options;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.stats = stats;
        this.stateStream = recovered.state;
        this.partitions = recovered.partitions;
        this.housekeeper = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gatehouse-journal-housekeeper");
            t.setDaemon(true);
            return t;
        });
        this.appender = new Appender("gatehouse-journal", stateStream, recovered.eventStream, recovered.allocator,
                housekeeper, options, stats);
        this.eventStream = recovered.eventStream;
        stateStream.reclaimWith(housekeeper, appender::submit);
        stateStream.prepareAhead(housekeeper);
        eventStream.prepareAhead(housekeeper);
        stateStream.reclaim(); // segments the replay found dead
        this.state = new JournalStateStore(this, appender, stateStream.index());
        this.events = new JournalEventLog(this, appender, partitions);
        appender.start();
    }

    /** Opens (creating or recovering) the journal in {@code directory} with default options. */
    public static JournalStore open(Path directory, int eventPartitions) {
        return open(directory, JournalOptions.defaults(eventPartitions));
    }

    /**
     * Opens the journal in {@code directory}, creating it when empty, recovering it otherwise. Fails with a
     * {@link StoreException} when the directory is in use or was created with another partition count, and
     * with a {@link JournalCorruptionException} when it holds damaged data.
     */
    public static JournalStore open(Path directory, JournalOptions options) {
        long started = System.nanoTime();
        FileLayer files = options.files();
        FileChannel lockChannel = null;
        FileLock lock = null;
        try {
            files.createDirectories(directory);
            lockChannel = FileChannel.open(directory.resolve(SegmentNames.LOCK), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new StoreException("the journal in " + directory + " is in use by another store");
            }
            JournalMeta.createOrCheck(directory, options, JournalRecovery.hasSegments(directory, files));
            JournalStats.Counters stats = new JournalStats.Counters();
            JournalRecovery recovery = new JournalRecovery(directory, options, stats);
            recovery.run();
            JournalStore store = new JournalStore(directory, options, lockChannel, lock, stats, recovery);
            log.info("Opened the journal in {} in {} ms: {} live state entries, {} event partitions, sync {}{}{}",
                    directory, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                    recovery.state.index().liveKeys(), options.eventPartitions(), options.sync(),
                    recovery.tornTails > 0 ? ", " + recovery.tornTails + " torn tail(s) cut" : "",
                    options.sync().isDurable() ? "" : " -- NOT DURABLE: acknowledged data may be lost on power failure");
            return store;
        } catch (IOException e) {
            release(lock, lockChannel);
            throw new StoreException("cannot open the journal in " + directory + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            release(lock, lockChannel);
            throw e;
        }
    }

    @Override
    public StateStore state() {
        return state;
    }

    @Override
    public EventLog events() {
        return events;
    }

    /** False with {@link SyncPolicy#never()}: completed writes are not necessarily on disk. */
    @Override
    public boolean isDurable() {
        return options.sync().isDurable();
    }

    public Path directory() {
        return directory;
    }

    public JournalOptions options() {
        return options;
    }

    public JournalStats stats() {
        return stats.snapshot();
    }

    /** Reports every later group-commit pass to {@code observer} (replacing the previous one). */
    public void observePasses(PassObserver observer) {
        appender.observePasses(Objects.requireNonNull(observer, "observer"));
    }

    /**
     * Waits until the background work queued so far (reclaim, compaction reads, segment preparation) and what
     * it hands back to the appender is done. For tests.
     */
    void awaitBackgroundWork() throws Exception {
        for (int round = 0; round < 4; round++) {
            housekeeper.submit(() -> { }).get();
            ControlOp barrier = new ControlOp(() -> { }, false);
            appender.submit(barrier);
            barrier.get();
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    /** Completes what was accepted, stops the threads and closes the files. Writes after this fail. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        state.close();
        appender.stop(new ControlOp(() -> { }, true));
        housekeeper.shutdownNow();
        try {
            if (!housekeeper.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("The journal housekeeper did not stop in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stateStream.closePrepared();
        eventStream.closePrepared();
        stateStream.index().segments().forEach(Segment::closeQuietly);
        if (eventStream.head() != null) {
            eventStream.head().closeQuietly();
        }
        for (EventPartition partition : partitions) {
            for (EventSegment segment : partition.segments()) {
                segment.file.retire();
                segment.file.closeQuietly();
            }
        }
        release(lock, lockChannel);
    }

    private static void release(FileLock lock, FileChannel channel) {
        try {
            if (lock != null) {
                lock.release();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            log.debug("Releasing the journal lock: {}", e.toString());
        }
    }
}
