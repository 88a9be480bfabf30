package io.gatehouse.bench.peers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The few flags a peer runner takes ({@code --name value} pairs), and the shared way a runner reports readiness
 * and stops: it prints {@link #READY} once it accepts connections, and stops when its standard input closes
 * (the harness closes it, or the harness died) or on SIGTERM.
 */
public final class PeerArgs {

    public static final String READY = "PEER READY";

    private final Map<String, String> values = new HashMap<>();

    public PeerArgs(String[] args) {
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            values.put(args[i].substring(2), args[i + 1]);
        }
    }

    public int port(String name) {
        return Integer.parseInt(required(name));
    }

    public Path path(String name) {
        return Path.of(required(name));
    }

    private String required(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return v;
    }

    /** Wraps a stop action so the shutdown hook and the end of input can both call it: it runs once. */
    public static Runnable once(Runnable stop) {
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) {
                stop.run();
            }
        };
    }

    /** Announces readiness, then blocks until standard input closes; the caller stops the broker after. */
    public static void readyThenAwaitEndOfInput() throws IOException {
        System.out.println(READY);
        System.out.flush();
        while (System.in.read() >= 0) {
            // the harness never writes; end of input means "stop"
        }
    }
}
