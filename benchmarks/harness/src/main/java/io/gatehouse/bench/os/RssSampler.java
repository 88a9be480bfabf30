package io.gatehouse.bench.os;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Samples a process's resident set size every 100 ms and keeps the highest, for "peak RSS during a phase". */
public final class RssSampler implements AutoCloseable {

    private final AtomicLong peak = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rss-sampler");
        t.setDaemon(true);
        return t;
    });

    public RssSampler(long pid) {
        timer.scheduleAtFixedRate(() -> peak.accumulateAndGet(ProcStats.rssBytes(pid), Math::max), 0, 100, TimeUnit.MILLISECONDS);
    }

    public long peakBytes() {
        return peak.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
