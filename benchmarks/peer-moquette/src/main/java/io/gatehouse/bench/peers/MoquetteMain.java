package io.gatehouse.bench.peers;

import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Moquette 0.17 embedded with persistence on (H2 MVStore for sessions and subscriptions, segmented queues for
 * messages). Not durable at acknowledgement (D0): its H2 store commits on a timer ({@code autosave_interval},
 * 30 s by default) and its segmented queues are memory-mapped pages written without a sync per message.
 * Telemetry (which would call out of the machine) is off. Its session command queue holds {@value #SESSION_QUEUE}
 * commands instead of 1,024: when full it drops a command with a warning ("Session command queue 0 is full"), so a
 * QoS 1 PUBLISH is never acknowledged; at 1,024 that stalled the offline backlog (a service publishing to 10,000
 * offline sessions) with the backlog unacknowledged.
 *
 * <p>{@code --port P --data DIR}
 */
public final class MoquetteMain {

    /** Commands a session event loop may have waiting: well above the 10,000 devices that reconnect at once. */
    static final int SESSION_QUEUE = 131_072;

    private MoquetteMain() {
    }

    public static void main(String[] args) throws Exception {
        PeerArgs a = new PeerArgs(args);
        Path data = a.path("data");
        Files.createDirectories(data);
        Properties p = new Properties();
        p.setProperty("host", "127.0.0.1");
        p.setProperty("port", Integer.toString(a.port("port")));
        p.setProperty("websocket_port", "disabled");
        p.setProperty("allow_anonymous", "true");
        p.setProperty("persistence_enabled", "true");
        p.setProperty("data_path", data.toString());
        p.setProperty("persistent_queue_type", "segmented");
        p.setProperty("telemetry_enabled", "false");
        p.setProperty("use_bugsnag", "false");
        p.setProperty("use_metrics", "false");
        p.setProperty("session_queue_size", Integer.toString(SESSION_QUEUE));
        Server server = new Server();
        server.startServer(new MemoryConfig(p));
        Runnable stop = PeerArgs.once(server::stopServer);
        Runtime.getRuntime().addShutdownHook(new Thread(stop));
        PeerArgs.readyThenAwaitEndOfInput();
        stop.run();
        System.exit(0);
    }
}
