package io.gatehouse.core.time;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A clock that only moves when told to; every advance wakes the timer owners. */
public final class ManualClock implements Clock {

    private volatile long millis;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    public ManualClock(Instant start) {
        this.millis = start.toEpochMilli();
    }

    public ManualClock() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    @Override
    public long millis() {
        return millis;
    }

    @Override
    public void onAdvance(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public boolean isRealTime() {
        return false;
    }

    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("time never goes backwards: " + duration);
        }
        synchronized (this) {
            millis += duration.toMillis();
        }
        listeners.forEach(Runnable::run);
    }
}
