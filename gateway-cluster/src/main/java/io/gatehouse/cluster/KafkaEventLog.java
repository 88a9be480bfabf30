package io.gatehouse.cluster;

import io.gatehouse.core.store.EventLog;
import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.StoreException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The D2C event log of a cluster: one Kafka topic, one Kafka partition per event partition, shared by every
 * gateway node. Kafka numbers the events (offset = sequence number = Event Hubs offset; enqueued time = the
 * broker's append time), so it {@link #assignsPositions() assigns positions}, and an append completes only
 * once every in-sync replica has the event (idempotent producer, {@code acks=all}): a device's PUBACK or AMQP
 * {@code accepted} then means the event is in Kafka.
 *
 * <p>Every node reads the same topic. A {@link TailFollower} fetches every new event once, tells the core about
 * those other nodes appended, and keeps the newest of each partition in a {@link RecentEvents} window together
 * with this node's own acknowledged appends: readers at the tail, the usual Event Hubs consumers, are served
 * from memory. Only readers further back fetch from Kafka, through a {@link PartitionReader}. {@link #first}
 * and {@link #last} answer from what this node has seen, without a round trip. Retention is the topic's:
 * {@link #removeBefore} only refreshes the oldest event.
 */
public final class KafkaEventLog implements EventLog, AutoCloseable {

    /** The most events one read returns (the core reads at most 256 at a time). */
    private static final int MAX_READ = 256;
    /**
     * The payload bytes the windows of recent events may hold together (off the heap), shared equally by the
     * partitions: with the default 4 partitions, about 50,000 events with 256-byte bodies each, seconds of traffic
     * even at tens of thousands of events per second.
     */
    static final long RECENT_BYTES = 64L * 1024 * 1024;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);

    private final String topic;
    private final PartitionBounds[] bounds;
    private final RecentEvents[] recent;
    private final KafkaProducer<byte[], byte[]> producer;
    private final PartitionReader reader;
    private final TailFollower follower;
    private final AppendBreaker breaker;
    private final KafkaProbe probe;
    private volatile AppendListener listener = (partition, lastSequence) -> { };
    private volatile boolean closed;

    private KafkaEventLog(KafkaSettings settings, PartitionBounds[] bounds, PartitionReader reader, long[] ends,
                          long recentBytesPerPartition) {
        this.topic = settings.topic();
        this.bounds = bounds;
        this.recent = new RecentEvents[ends.length];
        for (int p = 0; p < ends.length; p++) {
            recent[p] = new RecentEvents(ends[p], recentBytesPerPartition);
        }
        this.reader = reader;
        this.producer = new KafkaProducer<>(producerProperties(settings), new ByteArraySerializer(), new ByteArraySerializer());
        this.follower = new TailFollower(settings, ends, this::seenByFollower);
        this.breaker = new AppendBreaker(settings.bootstrapServers(), System.nanoTime());
        this.probe = new KafkaProbe(settings, breaker);
    }

    /**
     * Connects, creates the topic when it is absent, and learns each partition's oldest and newest event.
     *
     * @throws StoreException when Kafka cannot be reached or refuses (the message says which and where)
     */
    public static KafkaEventLog open(KafkaSettings settings) {
        return open(settings, RECENT_BYTES);
    }

    /** As {@link #open(KafkaSettings)}, with windows of recent events of another size (tests make them small). */
    static KafkaEventLog open(KafkaSettings settings, long recentBytes) {
        PartitionReader reader = null;
        try (Admin admin = Admin.create(settings.clientProperties("admin"))) {
            int partitions = EventTopic.ensure(admin, settings);
            reader = new PartitionReader(settings, partitions, MAX_READ);
            PartitionBounds[] bounds = new PartitionBounds[partitions];
            long[] ends = new long[partitions];
            for (int p = 0; p < partitions; p++) {
                ends[p] = reader.endOffset(p);
                long start = reader.startOffset(p);
                bounds[p] = ends[p] > start
                        ? new PartitionBounds(reader.firstFrom(p, start), reader.firstFrom(p, ends[p] - 1))
                        : new PartitionBounds(null, null);
            }
            KafkaEventLog log = new KafkaEventLog(settings, bounds, reader, ends, recentBytes / partitions);
            log.follower.start();
            return log;
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            closeQuietly(reader);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new StoreException("cannot use Kafka at " + settings.bootstrapServers() + " (topic " + settings.topic()
                    + "): " + describe(cause), cause);
        } catch (InterruptedException e) {
            closeQuietly(reader);
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while connecting to Kafka", e);
        }
    }

    private static Properties producerProperties(KafkaSettings settings) {
        Properties p = settings.clientProperties("producer");
        p.setProperty("acks", "all");
        p.setProperty("enable.idempotence", "true");
        // idempotence keeps each partition in order with up to 5 requests in flight
        p.setProperty("max.in.flight.requests.per.connection", "5");
        // a device waits for its PUBACK: batch what arrives together, but do not wait for more
        p.setProperty("linger.ms", "1");
        // send() blocks only while Kafka's buffer is full: that is back-pressure, but bounded
        p.setProperty("max.block.ms", Long.toString(KafkaSettings.API_TIMEOUT.toMillis()));
        // an event Kafka could not take within this fails (the device may send it again); the breaker
        // refuses new ones long before, so this bounds only the wait of those already sent
        p.setProperty("delivery.timeout.ms", Long.toString(DELIVERY_TIMEOUT.toMillis()));
        return p;
    }

    @Override
    public int partitions() {
        return bounds.length;
    }

    /** Why appends are refused for now: Kafka acknowledged nothing for a while, or failed for want of a cluster. */
    @Override
    public Optional<String> unavailability() {
        return Optional.ofNullable(breaker.unavailability(System.nanoTime()));
    }

    @Override
    public boolean assignsPositions() {
        return true;
    }

    @Override
    public CompletableFuture<Void> append(int partition, EventRecord record) {
        throw new UnsupportedOperationException("Kafka assigns the positions of events: use appendAssigned");
    }

    @Override
    public CompletableFuture<EventRecord> appendAssigned(int partition, byte[] payload) {
        PartitionBounds known = bounds(partition);
        if (closed) {
            return CompletableFuture.failedFuture(new StoreException("the Kafka event log is closed"));
        }
        String refusal = breaker.unavailability(System.nanoTime());
        if (refusal != null) {
            return CompletableFuture.failedFuture(StoreException.unavailable(refusal, null));
        }
        CompletableFuture<EventRecord> stored = new CompletableFuture<>();
        try {
            breaker.sent(System.nanoTime());
            producer.send(new ProducerRecord<>(topic, partition, null, payload), (metadata, failure) -> {
                if (failure != null) {
                    stored.completeExceptionally(appendFailed("Kafka did not store the event", failure));
                    return;
                }
                breaker.acknowledged(System.nanoTime());
                EventRecord record = KafkaRecords.of(metadata.offset(), metadata.timestamp(), payload);
                known.seen(record, record);
                // before completing: the core then wakes readers, who find the event in the window
                recent[partition].acknowledged(record);
                stored.complete(record);
            });
        } catch (KafkaException | IllegalStateException e) {
            stored.completeExceptionally(appendFailed("Kafka did not take the event", e));
        }
        return stored;
    }

    /**
     * Tells the breaker of a failed append and says why it failed: a timeout or another retriable error that
     * outlasted the producer's retries means the cluster was not there (busy: try later).
     */
    private StoreException appendFailed(String what, Throwable failure) {
        boolean unreachable = failure instanceof RetriableException;
        breaker.failed(unreachable, describe(failure));
        String why = what + ": " + describe(failure);
        return unreachable ? StoreException.unavailable(why, failure) : new StoreException(why, failure);
    }

    @Override
    public void onAppended(AppendListener appendListener) {
        this.listener = appendListener;
    }

    private void seenByFollower(int partition, List<EventRecord> events) {
        EventRecord last = events.get(events.size() - 1);
        bounds[partition].seen(events.get(0), last);
        recent[partition].followed(events);
        listener.appended(partition, last.sequenceNumber());
    }

    /**
     * From the window of recent events when it holds {@code fromSequence}; from Kafka when that is older. An
     * event past the window is not followed yet: nothing is returned, and the follower's notification wakes
     * the reader when it is.
     */
    @Override
    public List<EventRecord> read(int partition, long fromSequence, int maxEvents) {
        EventRecord newest = bounds(partition).newest();
        if (maxEvents <= 0 || newest == null || fromSequence > newest.sequenceNumber()) {
            return List.of();
        }
        int max = Math.min(maxEvents, MAX_READ);
        List<EventRecord> held = recent[partition].read(fromSequence, max);
        return held != null ? held : reader.read(partition, fromSequence, max);
    }

    @Override
    public EventRecord first(int partition) {
        return bounds(partition).oldest();
    }

    @Override
    public EventRecord last(int partition) {
        return bounds(partition).newest();
    }

    @Override
    public long sequenceAtOffset(int partition, long offset) {
        bounds(partition);
        // offsets are consecutive: the event at an offset between the oldest and the end is that offset's
        long end = reader.endOffset(partition);
        return offset >= end ? -1 : Math.max(offset, reader.startOffset(partition));
    }

    @Override
    public long sequenceAtTime(int partition, long epochMillis) {
        bounds(partition);
        return reader.offsetAtTime(partition, epochMillis);
    }

    /** Kafka applies the topic's retention by itself; this only learns which event is now the oldest. */
    @Override
    public void removeBefore(int partition, long epochMillis) {
        PartitionBounds known = bounds(partition);
        if (known.newest() != null) {
            long start = reader.startOffset(partition);
            known.retainedFrom(start < reader.endOffset(partition) ? reader.firstFrom(partition, start) : null);
        }
    }

    /** Flushes the appends in flight (their futures complete), then stops following and reading. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        producer.close(CLOSE_TIMEOUT);
        probe.close();
        follower.close();
        reader.close();
    }

    private PartitionBounds bounds(int partition) {
        if (partition < 0 || partition >= bounds.length) {
            throw new IllegalArgumentException("partition " + partition + " does not exist (0 to " + (bounds.length - 1) + ")");
        }
        return bounds[partition];
    }

    private static String describe(Throwable failure) {
        return failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // already failing: the first error is the one to report
            }
        }
    }
}
