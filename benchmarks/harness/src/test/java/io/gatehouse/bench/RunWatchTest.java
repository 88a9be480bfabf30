package io.gatehouse.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RunWatchTest {

    private final ExecutorService runner = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        runner.shutdownNow();
    }

    @Test
    void returnsTheRunsResult() throws Exception {
        Future<String> run = runner.submit(() -> "rows");

        assertThat(RunWatch.await(run, Duration.ofMinutes(1), () -> true, Duration.ofSeconds(15))).isEqualTo("rows");
    }

    @Test
    void passesOnWhatTheRunThrew() {
        Future<String> run = runner.submit(() -> {
            throw new IllegalStateException("CONNECT of dev00552 failed");
        });

        assertThatThrownBy(() -> RunWatch.await(run, Duration.ofMinutes(1), () -> true, Duration.ofSeconds(15)))
                .isInstanceOf(IllegalStateException.class).hasMessage("CONNECT of dev00552 failed");
    }

    @Test
    void abandonsARunStillWaitingAfterTheBrokerExited() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        Future<String> run = runner.submit(() -> waitForeverThenCount(interrupted));
        AtomicBoolean looked = new AtomicBoolean();

        assertThatThrownBy(() -> RunWatch.await(run, Duration.ofMinutes(10), () -> {
            looked.set(true);
            return false; // dead at the first look
        }, Duration.ofMillis(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("the broker exited during the run");
        assertThat(looked).isTrue();
        assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the run was cancelled").isTrue();
    }

    @Test
    void givesARunThatEndsWithinTheGraceItsOwnResult() throws Exception {
        CountDownLatch brokerSeenDead = new CountDownLatch(1);
        Future<String> run = runner.submit(() -> {
            brokerSeenDead.await();
            throw new IllegalStateException("the broker exited while the backlog drained");
        });

        assertThatThrownBy(() -> RunWatch.await(run, Duration.ofMinutes(10), () -> {
            brokerSeenDead.countDown();
            return false;
        }, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalStateException.class).hasMessage("the broker exited while the backlog drained");
    }

    @Test
    void abandonsARunPastItsBound() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        Future<String> run = runner.submit(() -> waitForeverThenCount(interrupted));

        assertThatThrownBy(() -> RunWatch.await(run, Duration.ofMillis(1), () -> true, Duration.ofSeconds(15)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("did not finish within the run bound");
        assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the run was cancelled").isTrue();
    }

    private static String waitForeverThenCount(CountDownLatch interrupted) {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            interrupted.countDown();
        }
        return "never";
    }
}
