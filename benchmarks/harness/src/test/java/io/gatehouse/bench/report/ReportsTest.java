package io.gatehouse.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReportsTest {

    private static final MachineInfo MACHINE = new MachineInfo("2026-01-01 00:00 UTC", 2, "Test CPU", "JDK 17", "6.1", 1L << 34, null);

    @Test
    void markdownStatesTheMachineAndGatehouseOverPeerRatiosWithTheirDirection() {
        List<ResultRow> rows = List.of(
                ResultRow.of("d2c-capacity", "1000 devices", "gatehouse", "D1").msgsPerSec(120_000).latency(300, 1_000, 2_000),
                ResultRow.of("d2c-capacity", "1000 devices", "artemis", "D1").msgsPerSec(40_000).latency(600, 4_000, 9_000));

        String md = Reports.markdown(rows, MACHINE, "full run", List.of("mosquitto: not installed"));

        assertThat(md).contains("2 cores, Test CPU", "JDK 17", "2026-01-01 00:00 UTC");
        assertThat(md).contains("| msgs/s ↑ |", "| p99 µs ↓ |");
        assertThat(md).contains("| 1000 devices | gatehouse ÷ artemis (D1 vs D1) | 3.00× | 0.50× | 0.25× | 0.22× |");
        assertThat(md).contains("- mosquitto: not installed");
        assertThat(md).doesNotContain("SMOKE RUN");
    }

    @Test
    void theCapacityWithinTheTightBoundHasItsColumnAndRatio() {
        List<ResultRow> rows = List.of(
                ResultRow.of("d2c-capacity", "1000 devices", "gatehouse", "D1").msgsPerSec(40_000).msgsPerSecWithinTightP99(30_000),
                ResultRow.of("d2c-capacity", "1000 devices", "artemis", "D1").msgsPerSec(20_000).msgsPerSecWithinTightP99(10_000));

        String md = Reports.markdown(rows, MACHINE, "full run", List.of());

        assertThat(md).contains("| msgs/s ↑ | msgs/s at p99 ≤ 10 ms ↑ |", "| gatehouse | D1 | 40,000 | 30,000 |");
        assertThat(md).contains("| 1000 devices | gatehouse ÷ artemis (D1 vs D1) | 2.00× | 3.00× |");
    }

    @Test
    void theMeasuredMachineFloorIsStatedOnlyWhenThereIsOne() {
        List<ResultRow> rows = List.of(ResultRow.of("latency-floor", "1 device", "gatehouse", "D1").msgsPerSec(10));

        assertThat(Reports.markdown(rows, MACHINE.withFloor("ping p99 500 µs"), "full run", List.of()))
                .contains("- Machine floor: ping p99 500 µs\n");
        assertThat(Reports.markdown(rows, MACHINE, "full run", List.of())).doesNotContain("Machine floor");
    }

    @Test
    void aReRunScenarioKeepsItsPlaceAndItsRowsTheirOrder() {
        ResultRow floorGatehouse = ResultRow.of("latency-floor", "1 device", "gatehouse", "D1");
        ResultRow c2dGatehouse = ResultRow.of("c2d-e2e", "1000 devices", "gatehouse", "D1");
        ResultRow backlog = ResultRow.of("offline-backlog", "10000 devices", "gatehouse", "D1");
        ResultRow c2dMoquette = ResultRow.of("c2d-e2e", "1000 devices", "moquette", "D0");
        ResultRow amqp = ResultRow.of("amqp-transfer", "12 B", "gatehouse", "D1");

        List<ResultRow> ordered = Reports.inScenarioOrder(List.of(floorGatehouse, c2dGatehouse, backlog, c2dMoquette, amqp),
                List.of("c2d-e2e", "latency-floor", "offline-backlog"));

        assertThat(ordered).containsExactly(c2dGatehouse, c2dMoquette, floorGatehouse, backlog, amqp);
    }

    @Test
    void smokeRowsAreFlaggedAsNotBenchmarkResults() {
        List<ResultRow> rows = Medians.of(List.of(ResultRow.of("latency-floor", "1 device", "moquette", "D0").msgsPerSec(10)), true);

        assertThat(Reports.markdown(rows, MACHINE, "quick", List.of())).contains("SMOKE RUN");
    }
}
