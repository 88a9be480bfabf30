package io.gatehouse.bench.os;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.bench.load.Waits;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CpuAffinityTest {

    @Test
    void readsTasksetAndProcCpuLists() {
        assertThat(CpuAffinity.cpuSet("0")).containsExactly(0);
        assertThat(CpuAffinity.cpuSet("0-2,5")).containsExactly(0, 1, 2, 5);
        assertThat(CpuAffinity.cpuSet("3, 1")).containsExactly(1, 3);
    }

    @Test
    void pinsEveryProcessOfATreeIncludingWhatItForkedBefore() throws Exception {
        Process shell = new ProcessBuilder("sh", "-c", "sleep 60 & wait").start();
        try {
            ProcessTree tree = ProcessTree.of(shell.pid());
            assertThat(Waits.until(() -> tree.pids().size() == 2, Duration.ofSeconds(10)))
                    .as("the shell and its sleep").isTrue();

            CpuAffinity.pin(tree, "0");

            assertThat(CpuAffinity.threadsOutside(tree, "0")).isEmpty();
            assertThat(CpuAffinity.threadsOutside(tree, "1")).hasSize(2);
        } finally {
            shell.descendants().forEach(ProcessHandle::destroy);
            shell.destroy();
            shell.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
