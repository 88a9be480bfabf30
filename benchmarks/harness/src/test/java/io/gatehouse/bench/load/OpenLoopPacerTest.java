package io.gatehouse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenLoopPacerTest {

    @Test
    void issuesRateTimesDurationOperationsAtEvenlySpacedIntendedTimes() throws Exception {
        List<Long> intended = new ArrayList<>();
        List<Long> actual = new ArrayList<>();

        long issued = OpenLoopPacer.run(1_000, 50_000_000L, (i, t) -> {
            intended.add(t);
            actual.add(System.nanoTime());
        });

        assertThat(issued).isEqualTo(50);
        assertThat(intended).hasSize(50);
        for (int i = 1; i < intended.size(); i++) {
            assertThat(intended.get(i) - intended.get(i - 1)).isBetween(999_999L, 1_000_001L);
        }
        for (int i = 0; i < intended.size(); i++) {
            // never early: an operation goes at or after its intended time
            assertThat(actual.get(i)).isGreaterThanOrEqualTo(intended.get(i));
        }
    }

    @Test
    void aSlowActionDoesNotMoveLaterIntendedTimes() throws Exception {
        List<Long> intended = new ArrayList<>();

        OpenLoopPacer.run(1_000, 10_000_000L, (i, t) -> {
            intended.add(t);
            if (i == 0) {
                long until = System.nanoTime() + 5_000_000L;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait(); // a 5 ms stall of the system under test
                }
            }
        });

        // the stall shows as latency of the next operations, it does not shift their schedule
        assertThat(intended.get(5) - intended.get(0)).isBetween(4_999_999L, 5_000_001L);
    }
}
