package io.gatehouse.journal;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When the journal forces its writes to the device. Every policy writes in group-commit passes: one write
 * per dirty file for everything queued, then the forces, then the completions.
 * <ul>
 *   <li>{@link #always()}: force every pass at once; batches form by themselves while a force is in flight.</li>
 *   <li>{@link #batch(Duration)}: like {@code always}, but while several writers are active a pass starts no
 *       sooner than {@code window} after the previous one started (fewer forces under load, at most
 *       {@code window} more latency; a lone synchronous writer is not delayed). The default.</li>
 *   <li>{@link #never()}: NOT DURABLE. Never forces; a "completed" write may be lost by a power failure or
 *       a kernel crash (it survives a process crash). For benchmarks only.</li>
 * </ul>
 */
public final class SyncPolicy {

    public enum Mode { ALWAYS, BATCH, NEVER }

    private static final Pattern BATCH = Pattern.compile("batch(?:\\((\\d+)(us|ms)\\))?");
    /**
     * The default pacing window: a few forces' time (~75-150 µs each on SSDs), so that under load a pass
     * carries hundreds of records while the added latency stays well under a millisecond.
     */
    public static final Duration DEFAULT_WINDOW = Duration.ofNanos(500_000);

    private final Mode mode;
    private final Duration window;

    private SyncPolicy(Mode mode, Duration window) {
        this.mode = mode;
        this.window = window;
    }

    public static SyncPolicy always() {
        return new SyncPolicy(Mode.ALWAYS, Duration.ZERO);
    }

    public static SyncPolicy batch(Duration window) {
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || window.compareTo(Duration.ofMillis(10)) > 0) {
            throw new IllegalArgumentException("the batch window must be between 0 and 10 ms: " + window);
        }
        return new SyncPolicy(Mode.BATCH, window);
    }

    public static SyncPolicy batch() {
        return batch(DEFAULT_WINDOW);
    }

    /** No forces at all: acknowledgements do not mean "on disk". Benchmarks only. */
    public static SyncPolicy never() {
        return new SyncPolicy(Mode.NEVER, Duration.ZERO);
    }

    /** Parses {@code always}, {@code never}, {@code batch} or {@code batch(<n>us|ms)}. */
    public static SyncPolicy parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("always")) {
            return always();
        }
        if (s.equals("never")) {
            return never();
        }
        Matcher m = BATCH.matcher(s);
        if (m.matches()) {
            if (m.group(1) == null) {
                return batch();
            }
            long n = Long.parseLong(m.group(1));
            return batch(m.group(2).equals("us") ? Duration.ofNanos(n * 1000) : Duration.ofMillis(n));
        }
        throw new IllegalArgumentException("unknown sync policy '" + text
                + "': expected always, never, batch or batch(<n>us|ms)");
    }

    public Mode mode() {
        return mode;
    }

    public Duration window() {
        return window;
    }

    /** False for {@link #never()}: completions do not mean the data is on the device. */
    public boolean isDurable() {
        return mode != Mode.NEVER;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SyncPolicy p && p.mode == mode && p.window.equals(window);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, window);
    }

    @Override
    public String toString() {
        switch (mode) {
            case ALWAYS:
                return "always";
            case NEVER:
                return "never (NOT durable)";
            default:
                return "batch(" + window.toNanos() / 1000 + "us)";
        }
    }
}
