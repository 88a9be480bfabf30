package io.gatehouse.bench;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Waits for a scenario's run: at most the run bound, and not much longer than the broker lives. A scenario blocked
 * on a broker that has exited (out of heap, say) would otherwise sit out its own timeouts: ten minutes for the
 * offline backlog's SUBACKs.
 */
final class RunWatch {

    /** How often the broker's processes are looked at while the run goes on. */
    private static final Duration POLL = Duration.ofMillis(200);

    private RunWatch() {
    }

    /**
     * The run's result. After the broker is first seen dead the run has {@code grace} to end by itself (a scenario
     * that notices says best what went wrong); then, or at the bound, it is cancelled and this throws.
     */
    static <T> T await(Future<T> run, Duration bound, BooleanSupplier brokerAlive, Duration grace) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        boolean brokerGone = false;
        long abandonAt = 0;
        while (true) {
            long now = System.nanoTime();
            try {
                return run.get(Math.max(1, Math.min(POLL.toNanos(), deadline - now)), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            } catch (TimeoutException e) {
                now = System.nanoTime();
                if (now - deadline >= 0) {
                    run.cancel(true);
                    throw new IllegalStateException("did not finish within the run bound of " + bound.toMinutes()
                            + " minutes (--run-minutes); the run was abandoned and the broker stopped");
                }
                if (!brokerGone && !brokerAlive.getAsBoolean()) {
                    brokerGone = true;
                    abandonAt = now + grace.toNanos();
                }
                if (brokerGone && now - abandonAt >= 0) {
                    run.cancel(true);
                    throw new IllegalStateException("the broker exited during the run and the scenario was still waiting "
                            + grace.toSeconds() + " s later; the run was abandoned (the broker's log says why)");
                }
            }
        }
    }
}
