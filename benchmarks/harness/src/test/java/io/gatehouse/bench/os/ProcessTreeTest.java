package io.gatehouse.bench.os;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.bench.load.Waits;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessTreeTest {

    /** A child that burns CPU and ends (the shell waits for it), then one that sleeps. */
    private static final String BURN_THEN_SLEEP = "(i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done); sleep 60 & wait";

    @Test
    void keepsTheCpuOfChildrenThatEndedAndCountsLiveOnes() throws Exception {
        Process shell = new ProcessBuilder("sh", "-c", BURN_THEN_SLEEP).start();
        try {
            ProcessTree tree = ProcessTree.of(shell.pid());
            // the burning subshell has ended once the sleep runs
            assertThat(Waits.until(() -> shell.descendants().anyMatch(d -> d.info().command().orElse("").endsWith("sleep")),
                    Duration.ofSeconds(60))).isTrue();

            assertThat(tree.pids()).hasSize(2).startsWith(shell.pid());
            long ownCpu = ProcStats.cpuMicros(shell.pid());
            assertThat(tree.cpuMicros()).as("the shell's own %d us plus the ended subshell's", ownCpu)
                    .isGreaterThan(ownCpu + 50_000);
        } finally {
            shell.descendants().forEach(ProcessHandle::destroy);
            shell.destroy();
            shell.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void memoryOfOneProcessIsItsRssAndOfSeveralTheirSummedPss() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        Process other = new ProcessBuilder("sleep", "60").start();
        try {
            ProcessTree one = ProcessTree.of(sleeper.pid());
            ProcessTree both = ProcessTree.of(List.of(sleeper.pid(), other.pid()));

            assertThat(one.memoryBytes()).isEqualTo(ProcStats.rssBytes(sleeper.pid())).isPositive();
            // the two share their program's pages: their PSS sum is less than their RSS sum
            assertThat(both.memoryBytes()).isPositive()
                    .isLessThan(ProcStats.rssBytes(sleeper.pid()) + ProcStats.rssBytes(other.pid()));
            assertThat(both.isAlive()).isTrue();
            other.destroy();
            other.waitFor(10, TimeUnit.SECONDS);
            assertThat(both.isAlive()).isFalse();
        } finally {
            sleeper.destroy();
            other.destroy();
        }
    }
}
