package io.gatehouse.bench.scenario;

import java.time.Duration;
import java.util.List;

/** How big and how long each scenario runs: the full benchmark, or the tiny smoke run of {@code --quick}. */
public record Scale(boolean quick,
                    int latencyWarmupMessages, int latencyMessages,
                    int d2cDevices, Duration d2cWarmup, Duration d2cStep, List<Integer> d2cRates,
                    int c2dDevices, Duration c2dWarmup, Duration c2dPhase, int c2dWindowPerDevice,
                    Duration amqpWarmup, Duration amqpPhase,
                    int backlogDevices, int backlogPerDevice, Duration backlogTimeout,
                    List<Integer> connectionLevels, List<Integer> amqpConnectionLevels, int connectionsPerProcess) {

    /**
     * Warm-ups are long enough for the JIT of every JVM broker to finish its hot paths (a few seconds of C2
     * compilation otherwise lands in the measured CPU per message); d2c-capacity warms up at this rate.
     */
    public static final int D2C_WARMUP_RATE = 20_000;

    /** The rate ladder of the D2C capacity scenario (messages per second). */
    public static final List<Integer> FULL_RATES = List.of(1_000, 2_000, 5_000, 10_000, 15_000, 20_000, 30_000, 40_000,
            50_000, 65_000, 80_000, 100_000, 125_000, 150_000, 200_000, 250_000, 300_000);

    public static Scale full() {
        return new Scale(false,
                10_000, 20_000,
                1_000, Duration.ofSeconds(20), Duration.ofSeconds(10), FULL_RATES,
                // C2D warms for a minute: after 15 s the JIT was often still compiling the delivery path in the
                // measured phase, and runs split between two rates (docs/performance.md, three repeats side by side)
                1_000, Duration.ofSeconds(60), Duration.ofSeconds(10), 5,
                Duration.ofSeconds(15), Duration.ofSeconds(10),
                10_000, 50, Duration.ofMinutes(10),
                List.of(5_000, 10_000, 19_000), List.of(1_000, 5_000, 10_000), 4_750);
    }

    public static Scale smoke() {
        return new Scale(true,
                100, 500,
                50, Duration.ofMillis(500), Duration.ofSeconds(1), List.of(500, 1_000, 2_000),
                50, Duration.ofMillis(500), Duration.ofSeconds(1), 5,
                Duration.ofMillis(500), Duration.ofSeconds(1),
                100, 10, Duration.ofSeconds(60),
                List.of(200, 400), List.of(100, 200), 150);
    }

    public Scale withStep(Duration step) {
        return new Scale(quick, latencyWarmupMessages, latencyMessages, d2cDevices, d2cWarmup, step, d2cRates,
                c2dDevices, c2dWarmup, step, c2dWindowPerDevice, amqpWarmup, step,
                backlogDevices, backlogPerDevice, backlogTimeout, connectionLevels, amqpConnectionLevels, connectionsPerProcess);
    }

    /** Every scenario's warm-up this long (a JVM broker on one shared core may need minutes to finish compiling). */
    public Scale withWarmUp(Duration warmUp) {
        return new Scale(quick, latencyWarmupMessages, latencyMessages, d2cDevices, warmUp, d2cStep, d2cRates,
                c2dDevices, warmUp, c2dPhase, c2dWindowPerDevice, warmUp, amqpPhase,
                backlogDevices, backlogPerDevice, backlogTimeout, connectionLevels, amqpConnectionLevels, connectionsPerProcess);
    }

    public Scale withRates(List<Integer> rates) {
        return new Scale(quick, latencyWarmupMessages, latencyMessages, d2cDevices, d2cWarmup, d2cStep, rates,
                c2dDevices, c2dWarmup, c2dPhase, c2dWindowPerDevice, amqpWarmup, amqpPhase,
                backlogDevices, backlogPerDevice, backlogTimeout, connectionLevels, amqpConnectionLevels, connectionsPerProcess);
    }

    public Scale withConnectionLevels(List<Integer> levels) {
        return new Scale(quick, latencyWarmupMessages, latencyMessages, d2cDevices, d2cWarmup, d2cStep, d2cRates,
                c2dDevices, c2dWarmup, c2dPhase, c2dWindowPerDevice, amqpWarmup, amqpPhase,
                backlogDevices, backlogPerDevice, backlogTimeout, levels, amqpConnectionLevels, connectionsPerProcess);
    }

    public Scale withAmqpConnectionLevels(List<Integer> levels) {
        return new Scale(quick, latencyWarmupMessages, latencyMessages, d2cDevices, d2cWarmup, d2cStep, d2cRates,
                c2dDevices, c2dWarmup, c2dPhase, c2dWindowPerDevice, amqpWarmup, amqpPhase,
                backlogDevices, backlogPerDevice, backlogTimeout, connectionLevels, levels, connectionsPerProcess);
    }

    public Scale withBacklogDevices(int devices) {
        return new Scale(quick, latencyWarmupMessages, latencyMessages, d2cDevices, d2cWarmup, d2cStep, d2cRates,
                c2dDevices, c2dWarmup, c2dPhase, c2dWindowPerDevice, amqpWarmup, amqpPhase,
                devices, backlogPerDevice, backlogTimeout, connectionLevels, amqpConnectionLevels, connectionsPerProcess);
    }
}
