package io.gatehouse.cluster;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Kafka takes events, judged from the appends themselves (a circuit breaker). Kafka's producer keeps
 * retrying an unreachable cluster until the delivery timeout, so without this every device would wait that long
 * for each acknowledgement. Instead: once appends are outstanding and none has been acknowledged for
 * {@link #STALL}, or one failed for want of a cluster, Kafka counts as unreachable and new appends are refused at
 * once. It counts as reachable again at the next acknowledgement (a late one) or when a {@link KafkaProbe} got an
 * answer from the cluster. Times are {@link System#nanoTime()} values passed in, so that the rules can be tested
 * without waiting.
 */
final class AppendBreaker {

    private static final Logger LOG = LoggerFactory.getLogger(AppendBreaker.class);
    static final long STALL = TimeUnit.SECONDS.toNanos(5);

    private final String where;
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile long lastProgress;
    private volatile String unreachable;

    AppendBreaker(String where, long now) {
        this.where = where;
        this.lastProgress = now;
    }

    /** Why Kafka counts as unreachable now (appends are refused), or null. */
    String unavailability(long now) {
        String why = unreachable;
        if (why == null && outstanding.get() > 0 && now - lastProgress > STALL) {
            why = "Kafka at " + where + " has acknowledged no event for "
                    + TimeUnit.NANOSECONDS.toSeconds(now - lastProgress) + " s";
            becameUnreachable(why);
        }
        return why;
    }

    /** An append was handed to the producer. */
    void sent(long now) {
        if (outstanding.getAndIncrement() == 0) {
            lastProgress = now; // the wait for an acknowledgement starts now, not at the last one long ago
        }
    }

    void acknowledged(long now) {
        outstanding.decrementAndGet();
        reachable(now);
    }

    /** An append failed; {@code unreachableCluster} when that was for want of a cluster answering in time. */
    void failed(boolean unreachableCluster, String why) {
        outstanding.decrementAndGet();
        if (unreachableCluster) {
            becameUnreachable("Kafka at " + where + " is unreachable: " + why);
        }
    }

    /** The cluster answered: appends may go to it again. */
    void reachable(long now) {
        lastProgress = now;
        if (unreachable != null) {
            unreachable = null;
            LOG.info("Kafka at {} answers again: taking appends", where);
        }
    }

    private void becameUnreachable(String why) {
        if (unreachable == null) {
            LOG.warn("{}: refusing appends until it answers again", why);
        }
        unreachable = why;
    }
}
