package io.gatehouse.bench.peers;

import com.hivemq.configuration.service.InternalConfigurations;
import com.hivemq.embedded.EmbeddedHiveMQ;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * HiveMQ Community Edition embedded with file persistence (its default). Not durable at acknowledgement (D0):
 * its Xodus stores run with durable writes off and sync once a second, and its RocksDB payload store writes
 * without sync. The client queue limit is raised so that a slow subscriber shows as latency, not as silently
 * dropped messages. Anonymous usage statistics (which would call out of the machine) are off. Its stores are split
 * into {@value #PERSISTENCE_BUCKETS} buckets instead of 64: each bucket keeps files open (about 1,200 in all at 64,
 * before any client connects), and with 19,000 connections that went past the 20,000 files a process may have on
 * the benchmark machine. Buckets spread the stores' work over threads; the broker runs on one core.
 *
 * <p>{@code --port P --data DIR}
 */
public final class HiveMqMain {

    private static final int PERSISTENCE_BUCKETS = 8;

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
        InternalConfigurations.PERSISTENCE_BUCKET_COUNT.set(PERSISTENCE_BUCKETS);
        InternalConfigurations.PAYLOAD_PERSISTENCE_BUCKET_COUNT.set(PERSISTENCE_BUCKETS);
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
