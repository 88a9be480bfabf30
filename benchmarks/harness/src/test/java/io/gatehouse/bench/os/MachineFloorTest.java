package io.gatehouse.bench.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.bench.broker.Launch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class MachineFloorTest {

    @TempDir
    Path work;

    @Test
    void measuresARoundTripThroughAnEchoProcessAndADurableWriteThenLeavesNothingBehind() throws Exception {
        Launch unpinned = new Launch(null, List.of(), work, "journal", "batch");

        MachineFloor floor = MachineFloor.measure(unpinned, System.getProperty("java.class.path"), work);

        // five seconds of pings, one every 500 µs unless a round trip takes longer
        assertThat(floor.roundTrip().count()).isBetween(1_000L, 10_000L);
        assertThat(floor.roundTrip().p50Micros()).isPositive().isLessThanOrEqualTo(floor.roundTrip().p99Micros());
        assertThat(floor.sync().count()).isEqualTo(2_000);
        assertThat(floor.sync().p50Micros()).isPositive().isLessThanOrEqualTo(floor.sync().p999Micros());
        assertThat(floor.describe()).contains("64-byte ping", "4096-byte write + fdatasync", "p99.9");
        try (var left = Files.list(work)) {
            assertThat(left).as("the sync file is deleted").isEmpty();
        }
    }

    @Test
    void aFailedMeasurementIsExplainedNotThrown() {
        Launch noSuchJvmOption = new Launch(null, List.of("-XX:+NoSuchOption"), work, "journal", "batch");

        assertThat(MachineFloor.describeOrExplain(noSuchJvmOption, System.getProperty("java.class.path"), work))
                .startsWith("not measured (");
    }

    @Test
    @Timeout(30)
    void anEchoThatNeverSaysItsPortIsEndedAndTheMeasurementFails() throws Exception {
        Process silent = new ProcessBuilder("sleep", "600").start();
        try {
            assertThatThrownBy(() -> MachineFloor.echoPort(silent, Duration.ofMillis(300)))
                    .isInstanceOf(IOException.class).hasMessageContaining("did not start");
            assertThat(silent.waitFor(10, TimeUnit.SECONDS)).as("the silent process was ended").isTrue();
        } finally {
            silent.destroyForcibly();
        }
    }
}
