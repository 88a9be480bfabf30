package io.gatehouse.bench.scenario;

import io.gatehouse.bench.broker.RunningBroker;
import io.gatehouse.bench.report.ResultRow;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * What a scenario needs besides its broker: sizes, where to put files, how to launch helper processes, which
 * MQTT load generator drives d2c-capacity ({@code raw} or {@code hivemq}), a log.
 */
public record ScenarioContext(Scale scale, Path workDir, String loadGeneratorCpu, String harnessClassPath,
                              String d2cGenerator, PrintStream log) {

    public void progress(String format, Object... args) {
        log.printf("    " + format + "%n", args);
        log.flush();
    }

    /** A result row of {@code scenario} on {@code broker}, labelled with the durability it runs with. */
    public ResultRow row(String scenario, String variant, RunningBroker broker) {
        return ResultRow.of(scenario, variant, broker.kind().id(), broker.durability());
    }
}
