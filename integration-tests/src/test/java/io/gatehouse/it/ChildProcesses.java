package io.gatehouse.it;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Processes the tests start (gateways, HAProxy) are killed when the test JVM exits, even if a teardown never ran
 * or failed: an orphan would keep holding the standard ports and fail every later suite that needs them.
 */
final class ChildProcesses {

    private static final Queue<Process> STARTED = new ConcurrentLinkedQueue<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.stream().filter(Process::isAlive)
                .forEach(Process::destroyForcibly), "kill-child-processes"));
    }

    private ChildProcesses() {
    }

    /** Registers {@code process} to be killed at exit if it is still running; returns it. */
    static Process killOnExit(Process process) {
        STARTED.removeIf(p -> !p.isAlive());
        STARTED.add(process);
        return process;
    }
}
