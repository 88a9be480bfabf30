package io.gatehouse.core.time;

import java.time.Instant;

/**
 * The core's only source of time. Production uses {@link SystemClock}; tests inject a {@link ManualClock}
 * and move time forward explicitly, so lock timeouts and expiry are tested without waiting.
 */
public interface Clock {

    /** Milliseconds since the epoch. */
    long millis();

    default Instant now() {
        return Instant.ofEpochMilli(millis());
    }

    /**
     * Registers a callback run whenever this clock jumps forward by itself being told to. A clock that
     * simply follows real time never calls it; timer owners then wake up by waiting for the deadline.
     */
    void onAdvance(Runnable listener);

    /** True when time passes on its own, so a timer owner may sleep until a deadline. */
    boolean isRealTime();
}
