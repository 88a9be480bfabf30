package io.gatehouse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LatenciesTest {

    @Test
    void percentilesAreInMicrosecondsAndEachSummaryStartsAFreshInterval() {
        Latencies l = new Latencies();
        for (int i = 1; i <= 1000; i++) {
            l.recordNanos(i * 1_000L);
        }

        Latencies.Summary s = l.takeSummary();

        assertThat(s.count()).isEqualTo(1000);
        assertThat(s.p50Micros()).isCloseTo(500, within(1.0));
        assertThat(s.p99Micros()).isCloseTo(990, within(1.0));
        assertThat(l.takeSummary().count()).isZero();
    }
}
