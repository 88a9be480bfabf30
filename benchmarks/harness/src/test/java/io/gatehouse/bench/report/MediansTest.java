package io.gatehouse.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MediansTest {

    @Test
    void foldsRepeatsIntoMediansButKeepsTheWorstErrorCount() {
        List<ResultRow> runs = List.of(
                ResultRow.of("d2c-capacity", "v", "artemis", "D1").msgsPerSec(100).latency(1, 10, 20).errors(0).note("a"),
                ResultRow.of("d2c-capacity", "v", "artemis", "D1").msgsPerSec(300).latency(3, 30, 60).errors(2).note("b"),
                ResultRow.of("d2c-capacity", "v", "artemis", "D1").msgsPerSec(200).latency(2, 20, 40).errors(0).note("a"));

        List<ResultRow> folded = Medians.of(runs, false);

        assertThat(folded).hasSize(1);
        ResultRow m = folded.get(0);
        assertThat(m.msgsPerSec()).isEqualTo(200.0);
        assertThat(m.p99Micros()).isEqualTo(20.0);
        assertThat(m.errors()).isEqualTo(2L);
        assertThat(m.notes()).isEqualTo("runs: 100 / 300 / 200 msgs/s; runs: 10 / 30 / 20 µs p99; a; b");
        assertThat(m.repeats).isEqualTo(3);
        assertThat(m.smoke).isNull();
    }

    @Test
    void listsANoteThatEveryRunSharesOnceAndTheOthersEach() {
        List<ResultRow> runs = List.of(
                ResultRow.of("c2d-e2e", "v", "gatehouse", "D1").note("service over AMQP").note("latency at 4693 msgs/s"),
                ResultRow.of("c2d-e2e", "v", "gatehouse", "D1").note("service over AMQP").note("latency at 4588 msgs/s"));

        ResultRow m = Medians.of(runs, false).get(0);

        assertThat(m.notes()).isEqualTo("service over AMQP; latency at 4693 msgs/s; latency at 4588 msgs/s");
    }

    @Test
    void keepsVariantsAndBrokersApartAndAveragesAnEvenCount() {
        List<ResultRow> runs = List.of(
                ResultRow.of("connections", "5000", "gatehouse", "D1").bytesPerConnection(4000),
                ResultRow.of("connections", "5000", "gatehouse", "D1").bytesPerConnection(5000),
                ResultRow.of("connections", "10000", "gatehouse", "D1").bytesPerConnection(3000),
                ResultRow.of("connections", "5000", "artemis", "D1").bytesPerConnection(9000));

        List<ResultRow> folded = Medians.of(runs, true);

        assertThat(folded).extracting(ResultRow::variant, ResultRow::broker, ResultRow::bytesPerConnection).containsExactly(
                org.assertj.core.groups.Tuple.tuple("5000", "gatehouse", 4500.0),
                org.assertj.core.groups.Tuple.tuple("10000", "gatehouse", 3000.0),
                org.assertj.core.groups.Tuple.tuple("5000", "artemis", 9000.0));
        assertThat(folded).allMatch(r -> Boolean.TRUE.equals(r.smoke));
    }

    @Test
    void keepsEachRunsConnectRateAndMemoryPerConnection() {
        List<ResultRow> runs = List.of(
                ResultRow.of("connections", "19000", "gatehouse", "D1").connectsPerSec(1664).bytesPerConnection(2915),
                ResultRow.of("connections", "19000", "gatehouse", "D1").connectsPerSec(1544).bytesPerConnection(3258),
                ResultRow.of("connections", "19000", "gatehouse", "D1").connectsPerSec(1022).bytesPerConnection(3040));

        ResultRow m = Medians.of(runs, false).get(0);

        assertThat(m.connectsPerSec()).isEqualTo(1544.0);
        assertThat(m.bytesPerConnection()).isEqualTo(3040.0);
        assertThat(m.notes()).isEqualTo("runs: 1,664 / 1,544 / 1,022 connects/s; runs: 2,915 / 3,258 / 3,040 B of RSS per connection");
    }
}
