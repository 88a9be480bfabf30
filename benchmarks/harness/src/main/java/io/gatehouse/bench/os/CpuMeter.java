package io.gatehouse.bench.os;

/** CPU time a process spends between two moments, next to the wall time, for CPU per message and utilisation. */
public final class CpuMeter {

    private final long pid;
    private final long startCpu;
    private final long startNanos;

    private CpuMeter(long pid) {
        this.pid = pid;
        this.startCpu = ProcStats.cpuMicros(pid);
        this.startNanos = System.nanoTime();
    }

    public static CpuMeter start(long pid) {
        return new CpuMeter(pid);
    }

    public static CpuMeter self() {
        return new CpuMeter(ProcessHandle.current().pid());
    }

    /** CPU microseconds used since the start. */
    public long cpuMicros() {
        return ProcStats.cpuMicros(pid) - startCpu;
    }

    /** CPU used as a fraction of one core since the start. */
    public double utilisation() {
        double wallMicros = (System.nanoTime() - startNanos) / 1_000.0;
        return wallMicros <= 0 ? 0 : cpuMicros() / wallMicros;
    }
}
