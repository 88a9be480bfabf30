package io.gatehouse.server.metrics;

import io.gatehouse.core.store.DeviceOwnership;
import io.gatehouse.core.store.EventLog;
import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.ForwardingEventLog;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.WriteBatch;
import io.gatehouse.journal.JournalStats;
import io.gatehouse.journal.JournalStore;
import io.gatehouse.journal.PassObserver;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * A store that reports its commit latency (call to durable) as Micrometer timers, and, for the journal, its
 * fsyncs and group-commit passes. One operation in {@value #SAMPLE_EVERY} is timed: enough for percentiles,
 * cheap on the hot path.
 */
public final class MeteredStore implements Store {

    static final int SAMPLE_EVERY = 8;

    private final Store store;
    private final StateStore state;
    private final EventLog events;

    private MeteredStore(Store store, MeterRegistry registry) {
        this.store = store;
        Timer stateCommits = commitTimer(registry, "state");
        Timer eventCommits = commitTimer(registry, "event");
        this.state = new MeteredState(store.state(), stateCommits);
        this.events = new MeteredEvents(store.events(), eventCommits);
    }

    public static Store wrap(Store store, MeterRegistry registry) {
        if (store instanceof JournalStore journal) {
            journalCounter(registry, journal, "gatehouse.store.fsyncs", "forces (fsyncs) of journal files", JournalStats::forces);
            journalCounter(registry, journal, "gatehouse.store.passes", "group-commit passes", JournalStats::passes);
            journalCounter(registry, journal, "gatehouse.store.records", "records written", JournalStats::records);
            journalCounter(registry, journal, "gatehouse.store.bytes", "bytes written", JournalStats::bytesWritten);
            journalCounter(registry, journal, "gatehouse.store.compactions", "segment compactions", JournalStats::compactions);
            journalCounter(registry, journal, "gatehouse.store.segments.reclaimed", "segments reclaimed", JournalStats::segmentsReclaimed);
            journal.observePasses(passTimers(registry));
        }
        Gauge.builder("gatehouse.store.available", store, s -> s.unavailability().isEmpty() ? 1 : 0)
                .description("1 while the store takes new work, 0 while an engine it needs is unreachable")
                .register(registry);
        return new MeteredStore(store, registry);
    }

    private static void journalCounter(MeterRegistry registry, JournalStore journal, String name, String description,
                                       ToDoubleFunction<JournalStats> value) {
        FunctionCounter.builder(name, journal, j -> value.applyAsDouble(j.stats())).description(description).register(registry);
    }

    /**
     * Every pass's force time, wait and size as histograms: a tail in {@code gatehouse.store.commit} that shows in
     * the forces comes from the disk; one that shows in the wait, from queueing behind earlier passes.
     */
    private static PassObserver passTimers(MeterRegistry registry) {
        Timer forces = Timer.builder("gatehouse.store.sync")
                .description("time a group-commit pass spent forcing its files (every pass)")
                .publishPercentiles(0.5, 0.99, 0.999)
                .register(registry);
        DistributionSummary records = DistributionSummary.builder("gatehouse.store.pass.records")
                .description("records per group-commit pass")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        Timer waits = Timer.builder("gatehouse.store.pass.wait")
                .description("time the oldest write of a group-commit pass waited for the pass to start (every pass)")
                .publishPercentiles(0.5, 0.99, 0.999)
                .register(registry);
        return (passRecords, files, forceNanos, waitNanos) -> {
            if (files > 0) {
                forces.record(forceNanos, TimeUnit.NANOSECONDS);
            }
            if (waitNanos > 0) {
                waits.record(waitNanos, TimeUnit.NANOSECONDS);
            }
            records.record(passRecords);
        };
    }

    private static Timer commitTimer(MeterRegistry registry, String kind) {
        return Timer.builder("gatehouse.store.commit")
                .description("time from a store write to its durability (sampled)")
                .tag("kind", kind)
                .publishPercentiles(0.5, 0.99, 0.999)
                .register(registry);
    }

    @Override
    public StateStore state() {
        return state;
    }

    @Override
    public EventLog events() {
        return events;
    }

    @Override
    public boolean isDurable() {
        return store.isDurable();
    }

    @Override
    public Optional<String> unavailability() {
        return store.unavailability();
    }

    @Override
    public void close() {
        store.close();
    }

    /** Times every {@value #SAMPLE_EVERY}th future from its creation to its completion. */
    private static final class Sampler {
        private final Timer timer;
        private final AtomicLong count = new AtomicLong();

        Sampler(Timer timer) {
            this.timer = timer;
        }

        <T> CompletableFuture<T> observe(long startNanos, CompletableFuture<T> future) {
            if (startNanos != 0) {
                future.whenComplete((ok, failure) -> timer.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS));
            }
            return future;
        }

        long start() {
            return count.incrementAndGet() % SAMPLE_EVERY == 0 ? System.nanoTime() : 0;
        }
    }

    private static final class MeteredState implements StateStore {
        private final StateStore delegate;
        private final Sampler sampler;

        MeteredState(StateStore delegate, Timer timer) {
            this.delegate = delegate;
            this.sampler = new Sampler(timer);
        }

        @Override
        public CompletableFuture<Void> write(WriteBatch batch) {
            long start = sampler.start();
            return sampler.observe(start, delegate.write(batch));
        }

        @Override
        public CompletableFuture<List<byte[]>> read(List<StateKey> keys) {
            return delegate.read(keys);
        }

        @Override
        public void forEachLive(StateVisitor visitor) {
            delegate.forEachLive(visitor);
        }

        @Override
        public void onChangedElsewhere(StateVisitor listener) {
            delegate.onChangedElsewhere(listener);
        }

        @Override
        public DeviceOwnership ownership() {
            return delegate.ownership();
        }

        @Override
        public Optional<String> unavailability() {
            return delegate.unavailability();
        }

        @Override
        public Optional<CompletableFuture<Void>> catchUp() {
            return delegate.catchUp();
        }
    }

    private static final class MeteredEvents extends ForwardingEventLog {
        private final Sampler sampler;

        MeteredEvents(EventLog delegate, Timer timer) {
            super(delegate);
            this.sampler = new Sampler(timer);
        }

        @Override
        public CompletableFuture<Void> append(int partition, EventRecord record) {
            long start = sampler.start();
            return sampler.observe(start, delegate.append(partition, record));
        }

        @Override
        public CompletableFuture<EventRecord> appendAssigned(int partition, byte[] payload) {
            long start = sampler.start();
            return sampler.observe(start, delegate.appendAssigned(partition, payload));
        }
    }
}
