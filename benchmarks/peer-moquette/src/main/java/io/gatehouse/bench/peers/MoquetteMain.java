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
 * Telemetry (which would call out of the machine) is off.
 *
 * <p>{@code --port P --data DIR}
 */
public final class MoquetteMain {

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
        Server server = new Server();
        server.startServer(new MemoryConfig(p));
        Runnable stop = PeerArgs.once(server::stopServer);
        Runtime.getRuntime().addShutdownHook(new Thread(stop));
        PeerArgs.readyThenAwaitEndOfInput();
        stop.run();
        System.exit(0);
    }
}
