package io.gatehouse.journal;

import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.StoreException;
import io.gatehouse.journal.SegmentHeader.StreamKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens an existing journal directory: checks every segment header, replays the state stream in order into
 * the index, indexes every event segment, cuts torn tails off the last segment of each stream, and refuses
 * corruption with the file and offset. Builds the streams the appender continues with.
 */
final class JournalRecovery {

    private static final Logger log = LoggerFactory.getLogger(JournalRecovery.class);
    /** How much of a torn record is zeroed in a preallocated file (the rest is never read: see the terminator). */
    private static final int TORN_ZEROED = 4096;

    private final Path directory;
    private final JournalOptions options;
    private final FileLayer files;
    private final JournalStats.Counters stats;
    private final RecordReader reader = new RecordReader(1 << 20);
    private final List<JournalChannel> opened = new ArrayList<>();

    SegmentAllocator allocator;
    StateStream state;
    EventPartition[] partitions;
    EventFileStream eventStream;
    int tornTails;

    JournalRecovery(Path directory, JournalOptions options, JournalStats.Counters stats) {
        this.directory = directory;
        this.options = options;
        this.files = options.files();
        this.stats = stats;
    }

    /** Lists the directory: true when it holds any segment (a journal to recover rather than a new one). */
    static boolean hasSegments(Path directory, FileLayer files) throws IOException {
        for (Path file : files.list(directory)) {
            SegmentNames.Parsed parsed = SegmentNames.parse(file);
            if (parsed != null && parsed.kind() != SegmentNames.Kind.SPARE) {
                return true;
            }
        }
        return false;
    }

    void run() throws IOException {
        try {
            recover();
        } catch (IOException | RuntimeException e) {
            opened.forEach(JournalRecovery::closeQuietly);
            throw e;
        }
    }

    private void recover() throws IOException {
        TreeMap<Long, Path> stateFiles = new TreeMap<>();
        Map<Integer, TreeMap<Long, Path>> eventFiles = new HashMap<>();
        TreeMap<Long, Path> sharedEventFiles = new TreeMap<>();
        List<Path> spares = new ArrayList<>();
        long maxId = 0;
        for (Path file : files.list(directory)) {
            String name = file.getFileName().toString();
            if (name.endsWith(SegmentNames.TMP_SUFFIX)) {
                files.delete(file); // an unfinished spare or meta file
                continue;
            }
            SegmentNames.Parsed parsed = SegmentNames.parse(file);
            if (parsed == null) {
                continue;
            }
            maxId = Math.max(maxId, parsed.id());
            switch (parsed.kind()) {
                case STATE -> stateFiles.put(parsed.id(), file);
                case EVENT -> {
                    if (parsed.partition() >= options.eventPartitions()) {
                        throw new StoreException("journal file " + file + " belongs to event partition "
                                + parsed.partition() + " but the journal has " + options.eventPartitions());
                    }
                    eventFiles.computeIfAbsent(parsed.partition(), p -> new TreeMap<>()).put(parsed.id(), file);
                }
                case EVENTS -> sharedEventFiles.put(parsed.id(), file);
                case SPARE -> spares.add(file);
            }
        }
        // a recycled spare still carries its last segment id in its header: new ids must be above it
        for (Path spare : spares) {
            maxId = Math.max(maxId, spareHeaderId(spare));
        }
        allocator = new SegmentAllocator(directory, options, maxId + 1);
        for (Path spare : spares) {
            long size;
            try (JournalChannel channel = files.open(spare, false)) {
                size = channel.size();
            }
            allocator.adoptSpare(spare, size);
        }
        recoverState(stateFiles);
        recoverEvents(eventFiles, sharedEventFiles);
    }

    // ------------------------------------------------------------ streams

    /** A segment file of a stream, opened and its header checked. */
    private record SegmentFile(long id, Path path, JournalChannel channel, long size, boolean empty) {
    }

    /** A stream's written segments, in order, and the segment prepared to follow them (or null). */
    private record OpenedStream(List<SegmentFile> written, SegmentAllocator.Activation prepared) {
    }

    /**
     * Opens a stream's segments in order. An empty one (nothing written after its header) after the last
     * written one was prepared ahead and never used: the newest such is handed to the stream as its next
     * segment, others are recycled. The returned list ends with the last written segment.
     */
    private OpenedStream openStream(TreeMap<Long, Path> paths, StreamKind kind, int partition) throws IOException {
        List<SegmentFile> segments = new ArrayList<>();
        for (Map.Entry<Long, Path> e : paths.entrySet()) {
            JournalChannel channel = openSegment(e.getValue(), kind, partition, e.getKey());
            long size = channel.size();
            segments.add(new SegmentFile(e.getKey(), e.getValue(), channel, size, isEmpty(channel, size)));
        }
        int lastWritten = segments.size() - 1;
        while (lastWritten >= 0 && segments.get(lastWritten).empty()) {
            lastWritten--;
        }
        List<SegmentFile> unused = new ArrayList<>(segments.subList(lastWritten + 1, segments.size()));
        SegmentAllocator.Activation prepared = null;
        if (!unused.isEmpty()) {
            SegmentFile next = unused.remove(unused.size() - 1);
            prepared = new SegmentAllocator.Activation(next.id(), next.path(), next.channel());
        }
        for (SegmentFile file : unused) {
            allocator.release(new SegmentAllocator.Activation(file.id(), file.path(), file.channel()));
        }
        List<SegmentFile> written = new ArrayList<>();
        for (SegmentFile file : segments.subList(0, lastWritten + 1)) {
            if (file.empty()) {
                // named, never written, and a later segment was: a leftover of a failed start
                closeQuietly(file.channel());
                files.delete(file.path());
            } else {
                written.add(file);
            }
        }
        return new OpenedStream(written, prepared);
    }

    /** True when nothing was written after the header (the zero length the activation wrote, or no bytes at all). */
    private boolean isEmpty(JournalChannel channel, long size) throws IOException {
        if (size < SegmentHeader.SIZE + 4) {
            return size <= SegmentHeader.SIZE;
        }
        ByteBuffer first = ByteBuffer.allocate(4);
        while (first.hasRemaining() && channel.read(first, SegmentHeader.SIZE + first.position()) >= 0) {
            // read the first record's length
        }
        return first.getInt(0) == 0;
    }

    // ------------------------------------------------------------ state

    private void recoverState(TreeMap<Long, Path> stateFiles) throws IOException {
        StateIndex index = StateIndex.forRecovery();
        long[] lastSequence = {-1};
        StateSegment open = null;
        long lastId = 0;
        OpenedStream opened = openStream(stateFiles, StreamKind.STATE, -1);
        List<SegmentFile> segments = opened.written();
        for (int i = 0; i < segments.size(); i++) {
            boolean last = i == segments.size() - 1;
            SegmentFile file = segments.get(i);
            Path path = file.path();
            StateSegment segment = new StateSegment(file.id(), path, file.channel(), SegmentHeader.SIZE);
            index.addSegment(segment);
            SegmentScanner.Result result = SegmentScanner.scan(reader, segment, file.size(), last, (position, buf, at, length) -> {
                long sequence = buf.getLong(at + RecordFormat.SEQUENCE);
                if (buf.get(at + RecordFormat.TYPE) != RecordFormat.STATE) {
                    throw new JournalCorruptionException(path, position, "a non-state record in a state segment");
                }
                if (sequence <= lastSequence[0]) {
                    throw new JournalCorruptionException(path, position, "state record sequence " + sequence
                            + " does not follow " + lastSequence[0]);
                }
                lastSequence[0] = sequence;
                try {
                    StateRecordCodec.decode(buf, at, length, (key, b, valueStart, valueLength, opSize) -> {
                        if (valueStart < 0) {
                            index.delete(key, segment, position, opSize);
                        } else {
                            index.put(key, segment, position, opSize);
                        }
                    });
                } catch (StateRecordCodec.MalformedRecordException ex) {
                    throw new JournalCorruptionException(path, position, ex.getMessage());
                }
                return true;
            });
            segment.writePosition = result.end();
            segment.durableEnd = result.end();
            lastId = segment.id;
            if (result.sealed()) {
                segment.sealed = true;
                index.sealed(segment);
            } else if (!last) {
                throw unsealed(segment, result);
            } else {
                if (result.torn()) {
                    cutTornTail(segment, result.end(), file.size());
                }
                open = segment;
            }
        }
        index.recovered();
        state = new StateStream(allocator, options, stats, index, lastSequence[0] + 1);
        if (open != null) {
            state.resume(open);
        } else {
            state.resumeSealed(lastId);
        }
        if (opened.prepared() != null) {
            state.adoptPrepared(opened.prepared());
        }
        log.debug("Recovered the state stream: {} segments, {} live keys, {} tombstones kept", index.segments().size(),
                index.liveKeys(), index.neededTombstones());
    }

    // ------------------------------------------------------------ events

    /** What recovery found of one partition: its last sequence number, and where its first and newest events are. */
    private static final class PartitionScan {
        private final int partition;
        long lastSequence = -1;
        EventSegment first;
        long firstPosition;
        EventSegment newest;
        long newestPosition;

        PartitionScan(int partition) {
            this.partition = partition;
        }

        void record(EventSegment segment, long position, ByteBuffer buf, int at, int length, int indexInterval) {
            long sequence = buf.getLong(at + RecordFormat.SEQUENCE);
            if (sequence <= lastSequence) {
                throw new JournalCorruptionException(segment.file.path, position, "event sequence " + sequence
                        + " of partition " + partition + " does not follow " + lastSequence);
            }
            lastSequence = sequence;
            long offset = buf.getLong(at + RecordFormat.EVENT_OFFSET);
            long time = buf.getLong(at + RecordFormat.EVENT_TIME);
            segment.index(sequence, offset, time, position, indexInterval);
            segment.published(sequence, offset, time, position + length);
            if (first == null) {
                first = segment;
                firstPosition = position;
            }
            newest = segment;
            newestPosition = position;
        }
    }

    private void recoverEvents(Map<Integer, TreeMap<Long, Path>> partitionFiles, TreeMap<Long, Path> sharedFiles)
            throws IOException {
        int count = options.eventPartitions();
        partitions = new EventPartition[count];
        PartitionScan[] scans = new PartitionScan[count];
        for (int p = 0; p < count; p++) {
            partitions[p] = new EventPartition(p, allocator, options, stats);
            scans[p] = new PartitionScan(p);
            recoverPartitionFiles(p, partitionFiles.getOrDefault(p, new TreeMap<>()), scans[p]);
        }
        recoverSharedFiles(sharedFiles, scans);
        for (int p = 0; p < count; p++) {
            PartitionScan scan = scans[p];
            EventRecord first = scan.first == null ? null : readEvent(scan.first, scan.firstPosition);
            EventRecord last = scan.newest == null ? null : readEvent(scan.newest, scan.newestPosition);
            partitions[p].recovered(first, last);
        }
    }

    /**
     * The files of a journal of format version 1, one series per partition: indexed and read like the shared
     * ones, never written again (a file prepared ahead goes back to the spares), removed by retention.
     */
    private void recoverPartitionFiles(int p, TreeMap<Long, Path> paths, PartitionScan scan) throws IOException {
        OpenedStream opened = openStream(paths, StreamKind.EVENTS, p);
        if (opened.prepared() != null) {
            allocator.release(opened.prepared());
        }
        List<SegmentFile> written = opened.written();
        for (int i = 0; i < written.size(); i++) {
            SegmentFile file = written.get(i);
            boolean last = i == written.size() - 1;
            EventFile eventFile = EventFile.ofPartition(p, file.id(), file.path(), file.channel(), SegmentHeader.SIZE, files);
            EventSegment segment = eventFile.segmentOf(p);
            SegmentScanner.Result result = SegmentScanner.scan(reader, eventFile, file.size(), last, (position, buf, at, length) -> {
                if (buf.get(at + RecordFormat.TYPE) != RecordFormat.EVENT || length < RecordFormat.EVENT_PAYLOAD) {
                    throw new JournalCorruptionException(file.path(), position, "a non-event record in an event segment");
                }
                scan.record(segment, position, buf, at, length, options.indexIntervalBytes());
                return true;
            });
            eventFile.writePosition = result.end();
            eventFile.durableEnd = result.end();
            if (!result.sealed() && !last) {
                throw unsealed(eventFile, result);
            }
            if (result.records() == 0) {
                dropFile(eventFile); // sealed empty (a failed first write), or only a torn record: holds nothing
                continue;
            }
            if (result.torn()) {
                cutTornTail(eventFile, result.end(), file.size());
            }
            segment.complete = true;
            partitions[p].addSegment(segment);
        }
    }

    /** The shared event files, in order; the last one, unless sealed, is where writing continues. */
    private void recoverSharedFiles(TreeMap<Long, Path> paths, PartitionScan[] scans) throws IOException {
        OpenedStream opened = openStream(paths, StreamKind.SHARED_EVENTS, -1);
        eventStream = new EventFileStream(allocator, options, stats, partitions);
        EventFile open = null;
        long lastId = 0;
        List<SegmentFile> written = opened.written();
        for (int i = 0; i < written.size(); i++) {
            SegmentFile file = written.get(i);
            boolean last = i == written.size() - 1;
            EventFile eventFile = EventFile.shared(file.id(), file.path(), file.channel(), SegmentHeader.SIZE, files);
            SegmentScanner.Result result = SegmentScanner.scan(reader, eventFile, file.size(), last, (position, buf, at, length) -> {
                if (buf.get(at + RecordFormat.TYPE) != RecordFormat.PARTITION_EVENT
                        || length < RecordFormat.PARTITION_EVENT_PAYLOAD) {
                    throw new JournalCorruptionException(file.path(), position, "a non-event record in an event segment");
                }
                int p = buf.getInt(at + RecordFormat.EVENT_PARTITION);
                if (p < 0 || p >= partitions.length) {
                    throw new JournalCorruptionException(file.path(), position, "an event of partition " + p
                            + " but the journal has " + partitions.length);
                }
                scans[p].record(segmentOf(eventFile, p), position, buf, at, length, options.indexIntervalBytes());
                return true;
            });
            eventFile.writePosition = result.end();
            eventFile.durableEnd = result.end();
            lastId = eventFile.id;
            if (!result.sealed() && !last) {
                throw unsealed(eventFile, result);
            }
            if (result.sealed()) {
                eventFile.segments.forEach(s -> s.complete = true);
                if (eventFile.letGo()) {
                    dropFile(eventFile); // sealed without a record (a failed first write)
                }
            } else {
                if (result.torn()) {
                    cutTornTail(eventFile, result.end(), file.size());
                }
                open = eventFile;
            }
        }
        if (open != null) {
            eventStream.resume(open);
        } else {
            eventStream.resumeSealed(lastId);
        }
        if (opened.prepared() != null) {
            eventStream.adoptPrepared(opened.prepared());
        }
    }

    /** The partition's segment of {@code file}, added to the partition when its first record is found. */
    private EventSegment segmentOf(EventFile file, int partition) {
        int before = file.segments.size();
        EventSegment segment = file.segmentOf(partition);
        if (file.segments.size() > before) {
            partitions[partition].addSegment(segment);
        }
        return segment;
    }

    private EventRecord readEvent(EventSegment segment, long position) throws IOException {
        EventRecord[] found = new EventRecord[1];
        reader.invalidate();
        reader.readRange(segment.file, segment.file.channel, position, segment.durableEnd, Integer.MAX_VALUE,
                (at, buf, start, length) -> {
                    found[0] = EventPartition.decode(buf, start, length);
                    return false;
                });
        return found[0];
    }

    // ------------------------------------------------------------ files

    /** Opens a segment and checks its header against its name. */
    private JournalChannel openSegment(Path path, StreamKind kind, int partition, long id) throws IOException {
        JournalChannel channel = files.open(path, false);
        opened.add(channel);
        ByteBuffer header = ByteBuffer.allocate(SegmentHeader.SIZE);
        while (header.hasRemaining() && channel.read(header, header.position()) >= 0) {
            // read the whole header
        }
        SegmentHeader decoded = header.hasRemaining() ? null : SegmentHeader.decode(header.flip());
        if (decoded == null) {
            throw new JournalCorruptionException(path, 0, "invalid segment header");
        }
        if (decoded.kind() != kind || decoded.segmentId() != id || decoded.partition() != partition) {
            throw new JournalCorruptionException(path, 0, "the segment header (" + decoded + ") does not match the file name");
        }
        return channel;
    }

    private long spareHeaderId(Path spare) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(SegmentHeader.SIZE);
        try (JournalChannel channel = files.open(spare, false)) {
            while (header.hasRemaining() && channel.read(header, header.position()) >= 0) {
                // read the whole header
            }
        }
        SegmentHeader decoded = header.hasRemaining() ? null : SegmentHeader.decode(header.flip());
        return decoded == null ? 0 : decoded.segmentId();
    }

    /** A segment before the last written one of its stream must end with its seal. */
    private static JournalCorruptionException unsealed(Segment segment, SegmentScanner.Result result) {
        return new JournalCorruptionException(segment.path, result.end(),
                "the segment ends without its seal although later segments follow (truncated or damaged)");
    }

    private void dropFile(Segment segment) throws IOException {
        segment.closeQuietly();
        files.delete(segment.path);
    }

    /** Cuts a torn record off: zeroes its start in a preallocated file, truncates otherwise; durable before use. */
    private void cutTornTail(Segment segment, long end, long size) throws IOException {
        tornTails++;
        stats.tornTailCut();
        log.warn("Journal file {}: cutting off a torn write at offset {} ({} bytes after it were never acknowledged)",
                segment.fileName(), end, size - end);
        if (options.preallocate() && size >= options.segmentSize()) {
            ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(TORN_ZEROED, size - end));
            segment.channel.writeFully(zeros, end);
        } else {
            segment.channel.truncate(end);
        }
        segment.channel.force(true);
    }

    private static void closeQuietly(JournalChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already failing
        }
    }
}
