package io.gatehouse.core.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.core.time.ManualClock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PassWakesTest {

    /** A manual clock: the parked shard waits without a deadline, so only a wake can start it. */
    private final Shard shard = new Shard("pass-wakes", new ManualClock());
    /** Stands in for an event loop thread: PassWakes is installed per thread. */
    private final ExecutorService loop = Executors.newSingleThreadExecutor();

    @BeforeEach
    void startParkedShard() {
        shard.start();
        await().atMost(10, TimeUnit.SECONDS).until(shard::isParked);
    }

    @AfterEach
    void stop() {
        loop.shutdownNow();
        shard.stop();
    }

    @Test
    void aParkedShardIsWokenOnceWhenThePassEnds() throws Exception {
        List<Runnable> passEnd = new CopyOnWriteArrayList<>();
        CountDownLatch ran = new CountDownLatch(3);
        loop.submit(() -> {
            PassWakes.install(passEnd::add);
            for (int i = 0; i < 3; i++) {
                shard.execute(ran::countDown);
            }
        }).get(10, TimeUnit.SECONDS);

        assertThat(passEnd).as("one wake for the whole pass").hasSize(1);
        assertThat(shard.isParked()).as("not woken within the pass").isTrue();
        assertThat(ran.getCount()).isEqualTo(3);

        loop.submit(passEnd.get(0)).get(10, TimeUnit.SECONDS);
        assertThat(ran.await(10, TimeUnit.SECONDS)).as("every task of the pass ran after the wake").isTrue();
    }

    @Test
    void aThreadWithoutPassesWakesTheShardAtOnce() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        loop.submit(() -> shard.execute(ran::countDown)).get(10, TimeUnit.SECONDS);
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aLoopThatTakesNoMoreTasksWakesTheShardAtOnce() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        loop.submit(() -> {
            PassWakes.install(task -> {
                throw new RejectedExecutionException("shutting down");
            });
            shard.execute(ran::countDown);
        }).get(10, TimeUnit.SECONDS);
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    }
}
