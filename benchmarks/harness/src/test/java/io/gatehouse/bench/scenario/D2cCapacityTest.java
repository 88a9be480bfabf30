package io.gatehouse.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.bench.load.Latencies;
import io.gatehouse.bench.report.ResultRow;
import java.util.List;
import org.junit.jupiter.api.Test;

class D2cCapacityTest {

    private static D2cCapacity.Step step(int rate, double achieved, double p99Micros, boolean held) {
        return new D2cCapacity.Step(rate, achieved, new Latencies.Summary(1_000, p99Micros / 4, p99Micros, p99Micros * 2, p99Micros * 3),
                0, 20, 0.3, held, held ? null : "p99 over 50 ms");
    }

    @Test
    void theTightCapacityIsTheHighestHeldStepWithinTheBoundEvenAboveASlowLowStep() {
        List<D2cCapacity.Step> ladder = List.of(
                step(1_000, 1_000, 12_000, true),   // the first step after the warm-up: over the bound at a low rate
                step(5_000, 4_990, 3_000, true),
                step(10_000, 9_970, 8_000, true),
                step(20_000, 19_900, 14_000, true), // held under 50 ms, but over 10 ms
                step(30_000, 29_000, 60_000, false),
                step(30_000, 29_500, 9_000, true)); // the retry held within the bound

        assertThat(D2cCapacity.highestWithin(ladder, 10_000)).isEqualTo(29_500);
        assertThat(D2cCapacity.highestWithin(ladder, 5_000)).isEqualTo(4_990);
    }

    @Test
    void noStepWithinTheBoundGivesZero() {
        List<D2cCapacity.Step> ladder = List.of(step(1_000, 1_000, 11_000, true), step(2_000, 1_500, 9_000, false));

        assertThat(D2cCapacity.highestWithin(ladder, 10_000)).isZero();
    }

    @Test
    void aHalfRateStepWithoutAcknowledgementsHasNoP99ButSaysWhyItFailed() {
        D2cCapacity.Step silent = new D2cCapacity.Step(10_000, 0, new Latencies.Summary(0, 0, 0, 0, 0), 0, 0, 0.05, false,
                "acknowledgements still missing 60 s after the step");
        ResultRow row = ResultRow.of("d2c-capacity", "1000 devices", "moquette", "D0");

        D2cCapacity.recordHalfRate(row, silent);

        assertThat(row.p99AtHalfRateMicros()).isNull();
        assertThat(row.notes()).startsWith("half rate 10000/s FAILED (acknowledgements still missing 60 s after the step)");
    }

    @Test
    void aHeldHalfRateStepGivesItsP99AndNoNote() {
        ResultRow row = ResultRow.of("d2c-capacity", "1000 devices", "gatehouse", "D1");

        D2cCapacity.recordHalfRate(row, step(20_000, 19_990, 6_500, true));

        assertThat(row.p99AtHalfRateMicros()).isEqualTo(6_500.0);
        assertThat(row.notes()).isNull();
    }
}
