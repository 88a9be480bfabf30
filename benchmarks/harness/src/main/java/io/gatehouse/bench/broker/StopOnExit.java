package io.gatehouse.bench.broker;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a harness stopped by Ctrl-C or SIGTERM must stop on its way out: the processes of the brokers still
 * running, which would otherwise outlive it (PostgreSQL does; the others are ended by pid, never by name).
 */
final class StopOnExit {

    private static final Set<Runnable> STOPS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STOPS.forEach(Runnable::run), "stop-brokers"));
    }

    private StopOnExit() {
    }

    /** Runs {@code stop} if the harness exits before {@link #remove} is called with the same object. */
    static void add(Runnable stop) {
        STOPS.add(stop);
    }

    static void remove(Runnable stop) {
        STOPS.remove(stop);
    }
}
