package io.gatehouse.bench.os;

import java.util.function.LongSupplier;

/** CPU time of a process (or a broker's process tree) between two moments, next to the wall time, for CPU per message and utilisation. */
public final class CpuMeter {

    private final LongSupplier cpuMicrosSoFar;
    private final long startCpu;
    private final long startNanos;

    private CpuMeter(LongSupplier cpuMicrosSoFar) {
        this.cpuMicrosSoFar = cpuMicrosSoFar;
        this.startCpu = cpuMicrosSoFar.getAsLong();
        this.startNanos = System.nanoTime();
    }

    /** Every process of a broker, summed. */
    public static CpuMeter start(ProcessTree broker) {
        return new CpuMeter(broker::cpuMicros);
    }

    /** The harness itself (the load generator), without its child processes. */
    public static CpuMeter self() {
        long pid = ProcessHandle.current().pid();
        return new CpuMeter(() -> ProcStats.cpuMicros(pid));
    }

    /** CPU microseconds used since the start. */
    public long cpuMicros() {
        return cpuMicrosSoFar.getAsLong() - startCpu;
    }

    /** CPU used as a fraction of one core since the start. */
    public double utilisation() {
        double wallMicros = (System.nanoTime() - startNanos) / 1_000.0;
        return wallMicros <= 0 ? 0 : cpuMicros() / wallMicros;
    }
}
