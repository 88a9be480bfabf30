package io.gatehouse.core.events;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.exec.Shard;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.store.BinaryReader;
import io.gatehouse.core.store.BinaryWriter;
import io.gatehouse.core.store.EventLog;
import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.WriteBatch;
import io.gatehouse.core.time.Clock;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * The device-to-cloud event stream (docs/messaging.md#device-to-cloud-telemetry): events go to the partition their device id hashes to, so one
 * device's events stay in order; each gets the next sequence number, an offset and an enqueued time.
 * Readers see an event only once it is durable.
 *
 * <p>Numbering: the stream numbers events itself unless the log {@link EventLog#assignsPositions() assigns
 * the positions} (a log shared by several gateway nodes); then readers learn of other nodes' events from the
 * log's {@link EventLog#onAppended append notifications}.
 *
 * <p>Threading: appends come from any thread (event loops); numbering an event and handing it to the log
 * happen under the partition's monitor, a few field updates long, so the log receives each partition's
 * events in sequence order. Reads, start-position lookups and retention run on the read shard, never on
 * an event loop, because they may touch the disk.
 */
public final class EventStream {

    public static final String DEFAULT_CONSUMER_GROUP = "$Default";
    private static final Pattern CONSUMER_GROUP = Pattern.compile("[A-Za-z0-9$._-]{1,50}");
    private static final int READ_BATCH = 256;
    /**
     * A reader reads at least this many events at a time, whatever its credit, and keeps the surplus for the
     * next credit: peers grant credit a few at a time, and a durable log read has a fixed cost (finding the
     * position, checking records) that a handful of events would not pay for.
     */
    private static final int READ_AHEAD = 64;
    private static final long RETENTION_CHECK_MILLIS = TimeUnit.MINUTES.toMillis(1);

    private final HubSettings settings;
    private final EventLog log;
    private final StateStore store;
    private final Clock clock;
    private final Shard readShard;
    private final Partition[] partitions;
    private final Map<StateKey, Checkpoint> checkpoints = new ConcurrentHashMap<>();
    private final LongAdder appended = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final ReaderOwnership ownership = new ReaderOwnership();

    public EventStream(HubSettings settings, EventLog log, StateStore store, Clock clock, Shard readShard) {
        if (log.partitions() != settings.eventPartitions()) {
            throw new IllegalStateException("the event log has " + log.partitions() + " partitions but "
                    + HubSettings.EVENT_PARTITIONS.property() + " is " + settings.eventPartitions()
                    + "; the partition count cannot change once events are stored");
        }
        this.settings = settings;
        this.log = log;
        this.store = store;
        this.clock = clock;
        this.readShard = readShard;
        this.partitions = new Partition[settings.eventPartitions()];
        for (int i = 0; i < partitions.length; i++) {
            partitions[i] = new Partition(i, log.last(i));
        }
        log.onAppended((partition, lastSequence) -> partitions[partition].committed(lastSequence));
    }

    /** Starts the periodic retention sweep on the read shard. */
    public void startRetention() {
        readShard.execute(this::scheduleRetention);
    }

    public int partitionCount() {
        return partitions.length;
    }

    /** The partition of a device: a stable hash of its id, so its events keep their order. */
    public int partitionFor(DeviceId device) {
        return Math.floorMod(device.value().hashCode(), partitions.length);
    }

    public long appendedCount() {
        return appended.sum();
    }

    public long refusedCount() {
        return refused.sum();
    }

    /**
     * Appends an event; completes with its position once durable. Fails with MESSAGE_TOO_LARGE when body and
     * properties exceed the limit.
     */
    public CompletableFuture<EventPosition> append(EventSource source, MessageProperties properties, byte[] body) {
        return append(source, properties, ByteBuffer.wrap(body));
    }

    /**
     * As {@link #append(EventSource, MessageProperties, byte[])}, from the remaining bytes of {@code body}: read
     * before this returns, never kept, its position untouched (an adapter passes its network buffer, no copy).
     */
    public CompletableFuture<EventPosition> append(EventSource source, MessageProperties properties, ByteBuffer body) {
        GatewayException tooLarge = checkSize(properties, body);
        if (tooLarge != null) {
            return CompletableFuture.failedFuture(tooLarge);
        }
        CompletableFuture<EventPosition> position = new CompletableFuture<>();
        submit(source, properties, body, new ToFuture(position));
        return position;
    }

    /**
     * As {@link #append(EventSource, MessageProperties, ByteBuffer)} for adapters that only acknowledge: no
     * position is made and no future is returned; {@code callback} is told once (see {@link AppendCallback} for
     * the thread).
     */
    public void append(EventSource source, MessageProperties properties, ByteBuffer body, AppendCallback callback) {
        GatewayException tooLarge = checkSize(properties, body);
        if (tooLarge != null) {
            callback.appended(tooLarge);
            return;
        }
        submit(source, properties, body, new ToCallback(callback));
    }

    /** The refusal of an event over the size limit (counted), or null when it fits. */
    private GatewayException checkSize(MessageProperties properties, ByteBuffer body) {
        int size = body.remaining() + properties.approximateSize();
        if (size <= settings.d2cMaxMessageBytes()) {
            return null;
        }
        refused.increment();
        return new GatewayException(ErrorCode.MESSAGE_TOO_LARGE,
                "event of " + size + " bytes exceeds the limit of " + settings.d2cMaxMessageBytes());
    }

    private void submit(EventSource source, MessageProperties properties, ByteBuffer body, Completion completion) {
        byte[] payload = D2cEventCodec.encode(source, properties, body);
        Partition partition = partitions[partitionFor(source.deviceId())];
        completion.partition = partition;
        if (log.assignsPositions()) {
            log.appendAssigned(partition.index, payload).whenComplete(completion);
        } else {
            partition.numberAndAppend(payload, completion);
        }
    }

    /**
     * One append in flight, told the log's outcome: the record itself from a log that numbers events, nothing
     * from one the stream numbered it for (the record is then kept here).
     */
    private abstract class Completion implements BiConsumer<Object, Throwable> {
        Partition partition;
        EventRecord record;

        @Override
        public final void accept(Object result, Throwable failure) {
            if (failure != null) {
                done(null, failure);
                return;
            }
            EventRecord durable = result instanceof EventRecord assigned ? assigned : record;
            appended.increment();
            partition.committed(durable.sequenceNumber());
            done(durable, null);
        }

        abstract void done(EventRecord durable, Throwable failure);
    }

    private final class ToFuture extends Completion {
        private final CompletableFuture<EventPosition> position;

        ToFuture(CompletableFuture<EventPosition> position) {
            this.position = position;
        }

        @Override
        void done(EventRecord durable, Throwable failure) {
            if (failure != null) {
                // as a dependent stage would see it: wrapped once
                position.completeExceptionally(failure instanceof CompletionException ? failure : new CompletionException(failure));
            } else {
                position.complete(new EventPosition(partition.index, durable.sequenceNumber(), durable.offset(),
                        Instant.ofEpochMilli(durable.enqueuedTimeMillis())));
            }
        }
    }

    private final class ToCallback extends Completion {
        private final AppendCallback callback;

        ToCallback(AppendCallback callback) {
            this.callback = callback;
        }

        @Override
        void done(EventRecord durable, Throwable failure) {
            callback.appended(failure);
        }
    }

    public PartitionInfo partitionInfo(int partition) {
        checkPartition(partition);
        EventRecord first = log.first(partition);
        EventRecord last = log.last(partition);
        if (last == null) {
            // what Event Hubs reports for a partition that never held an event (its SDKs' test double agrees)
            return new PartitionInfo(partition, -1, -1, -1, null, true);
        }
        return new PartitionInfo(partition, first == null ? last.sequenceNumber() : first.sequenceNumber(),
                last.sequenceNumber(), last.offset(), Instant.ofEpochMilli(last.enqueuedTimeMillis()), false);
    }

    /** Opens a reader of one partition for a consumer group, starting at {@code start}, without an owner level. */
    public EventReader openReader(String consumerGroup, int partition, StartPosition start, EventSink sink) {
        return openReader(consumerGroup, partition, start, null, sink);
    }

    /**
     * Opens a reader with an Event Hubs owner level ("epoch", null for none): readers of the same consumer group and
     * partition with a lower or equal level, and those without one, are closed and told through
     * {@link EventSink#onTakenOver}. Throws {@link OwnerLevelConflictException} while a reader with a higher level
     * (or, for a reader without a level, any level) is open.
     */
    public EventReader openReader(String consumerGroup, int partition, StartPosition start, Long ownerLevel,
                                  EventSink sink) {
        checkConsumerGroup(consumerGroup);
        checkPartition(partition);
        Reader reader = new Reader(partitions[partition], consumerGroup, ownerLevel, sink);
        List<ReaderOwnership.Holder> displaced = ownership.admit(consumerGroup, partition, reader);
        reader.start(start);
        partitions[partition].readers.add(reader);
        for (ReaderOwnership.Holder holder : displaced) {
            holder.takenOver("a reader with owner level " + ownerLevel + " took partition " + partition
                    + " of consumer group '" + consumerGroup + "'");
        }
        // nodes sharing the store: the other nodes' readers count too; a conflict there closes this reader
        store.ownership().claimReader(consumerGroup, partition, ownerLevel).whenComplete((ok, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                ownership.release(consumerGroup, partition, reader);
                reader.takenOver(cause.getMessage());
            }
        });
        return reader;
    }

    /** A reader with {@code ownerLevel} opened on another node sharing the store: the readers it displaces here go. */
    public void readersDisplacedElsewhere(String consumerGroup, int partition, long ownerLevel) {
        for (ReaderOwnership.Holder holder : ownership.displace(consumerGroup, partition, ownerLevel)) {
            holder.takenOver("a reader with owner level " + ownerLevel + " on another node took partition " + partition
                    + " of consumer group '" + consumerGroup + "'");
        }
    }

    // ---------------------------------------------------------------- checkpoints

    public CompletableFuture<Void> checkpoint(Checkpoint checkpoint) {
        checkConsumerGroup(checkpoint.consumerGroup());
        checkPartition(checkpoint.partition());
        StateKey key = checkpointKey(checkpoint.consumerGroup(), checkpoint.partition());
        byte[] value = new BinaryWriter(64).writeByte(1).writeString(checkpoint.consumerGroup())
                .writeInt(checkpoint.partition()).writeLong(checkpoint.sequenceNumber()).writeLong(checkpoint.offset())
                .toByteArray();
        checkpoints.put(key, checkpoint);
        return store.write(WriteBatch.put(key, value));
    }

    public Optional<Checkpoint> checkpoint(String consumerGroup, int partition) {
        return Optional.ofNullable(checkpoints.get(checkpointKey(consumerGroup, partition)));
    }

    /** Another node sharing the store stored a checkpoint (a deleted one is left: checkpoints are only replaced). */
    public void checkpointChangedElsewhere(byte[] stored) {
        if (stored != null) {
            restoreCheckpoint(stored);
        }
    }

    /** Recovery: a stored checkpoint. */
    public void restoreCheckpoint(byte[] stored) {
        BinaryReader r = new BinaryReader(stored).expectVersion(1, "checkpoint");
        Checkpoint checkpoint = new Checkpoint(r.readString(), r.readInt(), r.readLong(), r.readLong());
        checkpoints.put(checkpointKey(checkpoint.consumerGroup(), checkpoint.partition()), checkpoint);
    }

    private static StateKey checkpointKey(String group, int partition) {
        return StateKey.of(RecordKind.CHECKPOINT, group, partition);
    }

    public static void checkConsumerGroup(String group) {
        if (group == null || !CONSUMER_GROUP.matcher(group).matches()) {
            throw new GatewayException(ErrorCode.INVALID_ARGUMENT,
                    "consumer group must be 1 to 50 characters of letters, digits, '$', '.', '_' or '-'");
        }
    }

    private void checkPartition(int partition) {
        if (partition < 0 || partition >= partitions.length) {
            throw new GatewayException(ErrorCode.INVALID_ARGUMENT,
                    "partition " + partition + " does not exist (0 to " + (partitions.length - 1) + ")");
        }
    }

    // ---------------------------------------------------------------- retention

    private void scheduleRetention() {
        readShard.schedule(clock.millis() + RETENTION_CHECK_MILLIS, () -> {
            long cutoff = clock.millis() - settings.eventRetention().toMillis();
            for (Partition partition : partitions) {
                log.removeBefore(partition.index, cutoff);
            }
            scheduleRetention();
        });
    }

    // ---------------------------------------------------------------- partitions and readers

    private final class Partition {
        final int index;
        final Set<Reader> readers = ConcurrentHashMap.newKeySet();
        /** One past the newest durable sequence number. */
        final AtomicLong committedNext;
        // guarded by this
        long nextSequence;
        long nextOffset;
        long lastTime;

        Partition(int index, EventRecord last) {
            this.index = index;
            if (last != null) {
                nextSequence = last.sequenceNumber() + 1;
                nextOffset = last.offset() + last.payload().length;
                lastTime = last.enqueuedTimeMillis();
            }
            committedNext = new AtomicLong(nextSequence);
        }

        /** Gives the event the next position and hands it to the log, which receives them in sequence order. */
        void numberAndAppend(byte[] payload, Completion completion) {
            CompletableFuture<Void> durable;
            synchronized (this) {
                long time = Math.max(clock.millis(), lastTime);
                completion.record = new EventRecord(nextSequence, nextOffset, time, payload);
                nextSequence++;
                nextOffset += payload.length;
                lastTime = time;
                durable = log.append(index, completion.record);
            }
            durable.whenComplete(completion);
        }

        /**
         * Where a reader opened at "latest" starts: past every event appended so far. When the log assigns
         * positions, that is past the newest event known here (another node's newest may not be known yet).
         */
        synchronized long end() {
            return log.assignsPositions() ? committedNext.get() : nextSequence;
        }

        /** Appends complete in order per partition, but in-memory ones may report out of order: keep the max. */
        void committed(long sequence) {
            long next = sequence + 1;
            long current;
            while ((current = committedNext.get()) < next) {
                if (committedNext.compareAndSet(current, next)) {
                    break;
                }
            }
            if (!readers.isEmpty()) {
                readers.forEach(Reader::wake);
            }
        }
    }

    private final class Reader implements EventReader, ReaderOwnership.Holder {
        private final Partition partition;
        private final String consumerGroup;
        private final Long ownerLevel;
        private final EventSink sink;
        private final AtomicInteger credit = new AtomicInteger();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private StartPosition start;
        /** Written only on the read shard. -1 until the start position is resolved there. */
        private volatile long next = -1;
        /** Read shard only: events read ahead of credit, and the sequence number the next log read starts at. */
        private final ArrayDeque<EventRecord> ahead = new ArrayDeque<>();
        private long readFrom;
        private volatile boolean closed;

        Reader(Partition partition, String consumerGroup, Long ownerLevel, EventSink sink) {
            this.partition = partition;
            this.consumerGroup = consumerGroup;
            this.ownerLevel = ownerLevel;
            this.sink = sink;
        }

        void start(StartPosition position) {
            // "latest" is the end of the partition when the reader opens, not when the read shard gets to it:
            // an event appended right after this call returns must be read
            this.start = position instanceof StartPosition.Latest
                    ? new StartPosition.FromSequenceNumber(partition.end(), true) : position;
            readShard.execute(this::resolveStart);
        }

        @Override
        public Long ownerLevel() {
            return ownerLevel;
        }

        @Override
        public void takenOver(String reason) {
            closed = true;
            partition.readers.remove(this);
            sink.onTakenOver(reason);
        }

        @Override
        public int partition() {
            return partition.index;
        }

        @Override
        public long nextSequenceNumber() {
            return next;
        }

        @Override
        public void addCredit(int more) {
            if (more < 0) {
                throw new IllegalArgumentException("credit must not be negative");
            }
            // saturate: grants add up, and an overflow would stop the reader
            credit.accumulateAndGet(more,
                    (current, added) -> (int) Math.min(Integer.MAX_VALUE, (long) current + added));
            wake();
        }

        @Override
        public void close() {
            closed = true;
            partition.readers.remove(this);
            ownership.release(consumerGroup, partition.index, this);
            if (ownerLevel != null) {
                store.ownership().releaseReader(consumerGroup, partition.index, ownerLevel);
            }
        }

        void wake() {
            if (!closed && credit.get() > 0 && next >= 0 && next < partition.committedNext.get()
                    && scheduled.compareAndSet(false, true)) {
                readShard.execute(this::pump);
            }
        }

        private void resolveStart() {
            next = resolve(start);
            readFrom = next;
            start = null;
            wake();
        }

        private long resolve(StartPosition position) {
            int p = partition.index;
            long end = partition.committedNext.get();
            long sequence;
            if (position instanceof StartPosition.Earliest) {
                EventRecord first = log.first(p);
                sequence = first == null ? end : first.sequenceNumber();
            } else if (position instanceof StartPosition.Latest) {
                sequence = end;
            } else if (position instanceof StartPosition.FromOffset o) {
                sequence = log.sequenceAtOffset(p, o.inclusive() ? o.offset() : o.offset() + 1);
            } else if (position instanceof StartPosition.FromSequenceNumber s) {
                sequence = s.inclusive() ? s.sequenceNumber() : s.sequenceNumber() + 1;
            } else {
                StartPosition.FromEnqueuedTime t = (StartPosition.FromEnqueuedTime) position;
                sequence = log.sequenceAtTime(p, t.inclusive() ? t.time().toEpochMilli() : t.time().toEpochMilli() + 1);
            }
            return sequence < 0 ? end : sequence;
        }

        private void pump() {
            scheduled.set(false);
            while (!closed && credit.get() > 0) {
                if (ahead.isEmpty() && !readAhead()) {
                    return;
                }
                EventRecord record = ahead.poll();
                next = record.sequenceNumber() + 1;
                credit.decrementAndGet();
                sink.onEvent(D2cEventCodec.decode(partition.index, record));
            }
        }

        /** Fills {@link #ahead} with committed events; false when there are none yet. */
        private boolean readAhead() {
            long limit = partition.committedNext.get();
            if (readFrom >= limit) {
                return false;
            }
            int count = Math.min(READ_BATCH, Math.max(READ_AHEAD, credit.get()));
            for (EventRecord record : log.read(partition.index, readFrom, count)) {
                if (record.sequenceNumber() >= limit) {
                    break;
                }
                ahead.add(record);
                readFrom = record.sequenceNumber() + 1;
            }
            return !ahead.isEmpty();
        }
    }
}
