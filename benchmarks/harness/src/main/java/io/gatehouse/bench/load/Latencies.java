package io.gatehouse.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** Latencies recorded from any thread (HdrHistogram {@link Recorder}), read as percentiles in microseconds. */
public final class Latencies {

    /** p50, p99, p99.9 and the count of one measured interval. */
    public record Summary(long count, double p50Micros, double p99Micros, double p999Micros, double maxMicros) {
    }

    private final Recorder recorder = new Recorder(3);

    public void recordNanos(long nanos) {
        recorder.recordValue(Math.max(1, nanos / 1_000));
    }

    /** Starts a fresh interval: what was recorded so far is dropped. */
    public void reset() {
        recorder.getIntervalHistogram();
    }

    /** Percentiles of everything recorded since the last reset (or summary), and starts a fresh interval. */
    public Summary takeSummary() {
        Histogram h = recorder.getIntervalHistogram();
        return new Summary(h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9), h.getMaxValue());
    }
}
