package io.gatehouse.bench.peers;

import com.hivemq.embedded.EmbeddedHiveMQ;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * HiveMQ Community Edition embedded with file persistence (its default). Not durable at acknowledgement (D0):
 * its Xodus stores run with durable writes off and sync once a second, and its RocksDB payload store writes
 * without sync. The client queue limit is raised so that a slow subscriber shows as latency, not as silently
 * dropped messages. Anonymous usage statistics (which would call out of the machine) are off.
 *
 * <p>{@code --port P --data DIR}
 */
public final class HiveMqMain {

    private HiveMqMain() {
    }

    public static void main(String[] args) throws Exception {
        PeerArgs a = new PeerArgs(args);
        Path data = a.path("data");
        Path conf = Files.createDirectories(data.resolve("conf"));
        Files.writeString(conf.resolve("config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>127.0.0.1</bind-address>
                        </tcp-listener>
                    </listeners>
                    <mqtt>
                        <queued-messages>
                            <max-queue-size>1000000</max-queue-size>
                        </queued-messages>
                    </mqtt>
                    <persistence>
                        <mode>file</mode>
                    </persistence>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                </hivemq>
                """.formatted(a.port("port")));
        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(Files.createDirectories(data.resolve("data")))
                .withExtensionsFolder(Files.createDirectories(data.resolve("extensions")))
                .build();
        hivemq.start().join();
        Runnable stop = PeerArgs.once(() -> hivemq.stop().join());
        Runtime.getRuntime().addShutdownHook(new Thread(stop));
        PeerArgs.readyThenAwaitEndOfInput();
        stop.run();
        System.exit(0);
    }
}
