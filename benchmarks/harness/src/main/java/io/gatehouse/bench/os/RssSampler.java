package io.gatehouse.bench.os;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples a broker's memory ({@link ProcessTree#memoryBytes}: the RSS of a lone process, the summed PSS of
 * several) every 100 ms and keeps the highest, for "peak RSS during a phase".
 */
public final class RssSampler implements AutoCloseable {

    private final AtomicLong peak = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rss-sampler");
        t.setDaemon(true);
        return t;
    });

    public RssSampler(ProcessTree broker) {
        timer.scheduleAtFixedRate(() -> peak.accumulateAndGet(broker.memoryBytes(), Math::max), 0, 100, TimeUnit.MILLISECONDS);
    }

    public long peakBytes() {
        return peak.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
