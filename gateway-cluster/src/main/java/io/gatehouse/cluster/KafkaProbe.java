package io.gatehouse.cluster;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;

/**
 * While the {@link AppendBreaker} counts Kafka as unreachable, asks the cluster once a second to describe itself,
 * and tells the breaker when it answers. Without it a node would recover only when an append got through, and
 * a node that refuses connections while Kafka is down would never get one.
 */
final class KafkaProbe implements AutoCloseable {

    private static final long INTERVAL_MILLIS = 1000;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final AppendBreaker breaker;
    private final Admin admin;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kafka-probe");
        t.setDaemon(true);
        return t;
    });

    KafkaProbe(KafkaSettings settings, AppendBreaker breaker) {
        this.breaker = breaker;
        this.admin = Admin.create(settings.clientProperties("probe"));
        timer.scheduleWithFixedDelay(this::probeWhileUnreachable, INTERVAL_MILLIS, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void probeWhileUnreachable() {
        if (breaker.unavailability(System.nanoTime()) == null) {
            return;
        }
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) INTERVAL_MILLIS)).nodes()
                    .get(INTERVAL_MILLIS * 2, TimeUnit.MILLISECONDS);
            breaker.reachable(System.nanoTime());
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            // still unreachable: the next round asks again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        admin.close(CLOSE_TIMEOUT);
    }
}
