package io.gatehouse.bench.os;

import java.util.ArrayList;
import java.util.List;

/**
 * The processes of one broker: those the harness started (the roots) and whatever they started since, looked
 * up at each reading (PostgreSQL's postmaster forks a backend per connection). CPU and memory are summed over
 * all of them.
 */
public final class ProcessTree {

    private final List<Long> roots;

    private ProcessTree(List<Long> roots) {
        this.roots = List.copyOf(roots);
    }

    public static ProcessTree of(List<Long> roots) {
        return new ProcessTree(roots);
    }

    public static ProcessTree of(long root) {
        return new ProcessTree(List.of(root));
    }

    public List<Long> roots() {
        return roots;
    }

    /** Every live process of the tree now: each root, then its descendants. */
    public List<Long> pids() {
        List<Long> all = new ArrayList<>();
        for (long root : roots) {
            ProcessHandle.of(root).filter(ProcessHandle::isAlive).ifPresent(handle -> {
                all.add(root);
                handle.descendants().forEach(d -> all.add(d.pid()));
            });
        }
        return all;
    }

    /** Whether every root still runs. */
    public boolean isAlive() {
        return roots.stream().allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    /**
     * CPU time of the tree so far, in microseconds: each live process's own plus that of the children it has
     * waited for (a PostgreSQL backend that ended), so a process ending between two readings loses nothing.
     */
    public long cpuMicros() {
        return pids().stream().mapToLong(ProcStats::cpuMicrosWithEndedChildren).filter(micros -> micros > 0).sum();
    }

    /**
     * Memory the tree holds now, in bytes: the resident set of a lone process; for several, the sum of their
     * proportional set sizes, so the pages they share (PostgreSQL's shared buffers, the JDK's libraries) count once.
     */
    public long memoryBytes() {
        List<Long> pids = pids();
        if (pids.size() == 1) {
            return ProcStats.rssBytes(pids.get(0));
        }
        return pids.stream().mapToLong(ProcStats::pssBytes).filter(bytes -> bytes > 0).sum();
    }
}
