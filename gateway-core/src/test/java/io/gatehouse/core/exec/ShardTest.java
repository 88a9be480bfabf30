package io.gatehouse.core.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.gatehouse.core.testing.LogCapture;
import io.gatehouse.core.time.Clock;
import io.gatehouse.core.time.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ShardTest {

    private final ManualClock clock = new ManualClock();

    @Test
    void manualShardRunsTasksInSubmissionOrderOnlyWhenAsked() {
        Shard shard = new Shard("s", clock);
        List<Integer> ran = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            int n = i;
            shard.execute(() -> ran.add(n));
        }
        assertThat(ran).isEmpty();
        assertThat(shard.hasPendingWork()).isTrue();

        shard.runPending();
        assertThat(ran).hasSize(3000).isSorted();
        assertThat(shard.hasPendingWork()).isFalse();
    }

    @Test
    void timersFireOnTheShardWhenTheClockReachesThem() {
        Shard shard = new Shard("s", clock);
        List<String> fired = new ArrayList<>();
        long start = clock.millis();
        shard.execute(() -> {
            shard.schedule(start + 2000, () -> fired.add("late"));
            shard.schedule(start + 1000, () -> {
                assertThat(shard.inShard()).isTrue();
                fired.add("early");
            });
            Timer cancelled = shard.schedule(start + 1500, () -> fired.add("cancelled"));
            cancelled.cancel();
        });
        shard.runPending();
        assertThat(shard.pendingTimers()).isEqualTo(2);

        clock.advance(Duration.ofMillis(999));
        shard.runPending();
        assertThat(fired).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(shard.hasPendingWork()).isTrue();
        shard.runPending();
        assertThat(fired).containsExactly("early");
        clock.advance(Duration.ofSeconds(10));
        shard.runPending();
        assertThat(fired).containsExactly("early", "late");
        assertThat(shard.pendingTimers()).isZero();
    }

    @Test
    void shardOnlyOperationsRefuseOtherThreads() {
        Shard shard = new Shard("s", clock);
        assertThat(shard.inShard()).isFalse();
        assertThatThrownBy(shard::assertInShard).isInstanceOf(IllegalStateException.class).hasMessageContaining("not on s");
        assertThatThrownBy(() -> shard.schedule(0, () -> { })).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFailingTaskIsLoggedAndTheShardGoesOn() {
        Shard shard = new Shard("s", clock);
        AtomicInteger after = new AtomicInteger();
        try (LogCapture logs = new LogCapture()) {
            shard.execute(() -> {
                throw new IllegalStateException("boom");
            });
            shard.execute(after::incrementAndGet);
            shard.runPending();
            assertThat(after).hasValue(1);
            assertThat(logs.atLeast(Level.ERROR)).singleElement().asString().contains("boom");
        }
    }

    @Test
    void threadedShardRunsEveryProducersTasksOneAtATimeInOrder() throws Exception {
        Shard shard = new Shard("s", clock);
        shard.start();
        int producers = 4;
        int perProducer = 20_000;
        List<List<Integer>> seen = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            seen.add(new ArrayList<>());
        }
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        Thread[] threads = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            int producer = p;
            threads[p] = new Thread(() -> {
                for (int i = 0; i < perProducer; i++) {
                    int n = i;
                    shard.execute(() -> {
                        if (concurrent.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        // confined to the shard: no synchronization needed
                        seen.get(producer).add(n);
                        concurrent.decrementAndGet();
                    });
                }
            });
            threads[p].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        CompletableFuture.runAsync(() -> { }, shard).get(10, TimeUnit.SECONDS);
        assertThat(overlaps).hasValue(0);
        CompletableFuture.runAsync(() -> seen.forEach(list -> assertThat(list).hasSize(perProducer).isSorted()), shard)
                .get(10, TimeUnit.SECONDS);
        shard.stop();
    }

    @Test
    void threadedShardFiresTimersWhenAManualClockIsAdvanced() throws Exception {
        Shard shard = new Shard("s", clock);
        shard.start();
        CountDownLatch fired = new CountDownLatch(1);
        long deadline = clock.millis() + 5000;
        CompletableFuture.runAsync(() -> shard.schedule(deadline, fired::countDown), shard).get(10, TimeUnit.SECONDS);

        clock.advance(Duration.ofMillis(4999));
        assertThat(fired.await(50, TimeUnit.MILLISECONDS)).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(fired.await(10, TimeUnit.SECONDS)).isTrue();
        shard.stop();
    }

    /**
     * The clock moves after the shard's last look at its timers but before it parks: the advance's wake-up
     * finds the shard not yet parked, so the shard must look again before it sleeps, or the due timer waits
     * for some unrelated later event.
     */
    @Test
    void aClockAdvanceJustBeforeTheShardParksIsNotLost() throws Exception {
        AdvancesBehindTheShardsBack racingClock = new AdvancesBehindTheShardsBack();
        Shard shard = new Shard("racing", racingClock);
        shard.start();
        CountDownLatch fired = new CountDownLatch(1);
        shard.execute(() -> {
            shard.schedule(racingClock.millis() + 1000, fired::countDown);
            // the shard's next loop turn still sees the old time; the one after it (its last look before
            // parking) returns the old time too, but the clock has moved and told its listeners meanwhile
            racingClock.advanceOnShardRead(2, 1000);
        });
        assertThat(fired.await(10, TimeUnit.SECONDS)).as("timer fired").isTrue();
        shard.stop();
    }

    @Test
    void stoppingRunsWhatWasQueuedAndRefusesMore() {
        Shard shard = new Shard("s", clock);
        shard.start();
        List<Integer> ran = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            int n = i;
            shard.execute(() -> ran.add(n));
        }
        shard.stop();
        assertThat(ran).hasSize(10_000);
        assertThatThrownBy(() -> shard.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void shardGroupMapsEachKeyToOneShardAndSpreadsKeys() {
        ShardGroup group = ShardGroup.manual("g", 4, clock);
        ConcurrentHashMap<Shard, Integer> counts = new ConcurrentHashMap<>();
        for (int i = 0; i < 4000; i++) {
            String key = "device-" + i;
            assertThat(group.shardFor(key)).isSameAs(group.shardFor(new String(key)));
            counts.merge(group.shardFor(key), 1, Integer::sum);
        }
        assertThat(counts).hasSize(4);
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(700, 1300));
        assertThatThrownBy(() -> ShardGroup.manual("none", 0, clock)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * A manual clock that, when armed, moves forward during one of the shard thread's reads: that read
     * still returns the old time, but the clock has moved (and woken its listeners) by the time it returns.
     */
    private static final class AdvancesBehindTheShardsBack implements Clock {
        private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
        private volatile long millis = 1_000_000;
        private volatile Thread armedBy;
        private int readsLeft;
        private long step;

        @Override
        public long millis() {
            long now = millis;
            if (Thread.currentThread() == armedBy && --readsLeft == 0) {
                armedBy = null;
                millis = now + step;
                listeners.forEach(Runnable::run);
            }
            return now;
        }

        /** Called on the shard: its {@code reads}-th clock read from now on moves the clock by {@code by}. */
        void advanceOnShardRead(int reads, long by) {
            readsLeft = reads;
            step = by;
            armedBy = Thread.currentThread();
        }

        @Override
        public void onAdvance(Runnable listener) {
            listeners.add(listener);
        }

        @Override
        public boolean isRealTime() {
            return false;
        }
    }
}
