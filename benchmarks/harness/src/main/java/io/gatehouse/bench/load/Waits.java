package io.gatehouse.bench.load;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Bounded waiting for a counter the load generator's callbacks advance (never longer than the timeout). */
public final class Waits {

    private Waits() {
    }

    /** Polls {@code condition} every 10 ms until it holds or {@code timeout} passes; returns whether it held. */
    public static boolean until(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        return true;
    }
}
