package io.gatehouse.bench.peers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.io.aio.AIOSequentialFileFactory;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;

/**
 * ActiveMQ Artemis embedded, configured as {@code artemis create} would make a production broker: persistence on,
 * the journal synced for transactional and non-transactional writes (so a durable send is acknowledged only after
 * fsync: D1), ASYNCIO when libaio is present and NIO otherwise, and a journal buffer timeout tuned to this disk's
 * measured sync time (what {@code artemis create} does with its sync test). Security is off: the load generator
 * connects anonymously.
 *
 * <p>{@code --mqtt-port P --amqp-port Q --data DIR}
 */
public final class ArtemisMain {

    /** The queue the AMQP transfer scenario sends to and receives from. */
    static final String TRANSFER_QUEUE = "bench.transfer";

    private ArtemisMain() {
    }

    public static void main(String[] args) throws Exception {
        PeerArgs a = new PeerArgs(args);
        Path data = a.path("data");
        Files.createDirectories(data);
        boolean aio = AIOSequentialFileFactory.isSupported();
        long syncNanos = measureSyncNanos(data);
        Configuration cfg = new ConfigurationImpl()
                .setName("bench-artemis")
                .setPersistenceEnabled(true)
                .setSecurityEnabled(false)
                .setJournalType(aio ? JournalType.ASYNCIO : JournalType.NIO)
                .setJournalDirectory(data.resolve("journal").toString())
                .setBindingsDirectory(data.resolve("bindings").toString())
                .setPagingDirectory(data.resolve("paging").toString())
                .setLargeMessagesDirectory(data.resolve("large-messages").toString())
                .setNodeManagerLockDirectory(data.toString())
                .setJournalSyncTransactional(true)
                .setJournalSyncNonTransactional(true)
                .setJournalDatasync(true)
                .setJournalFileSize(10 * 1024 * 1024)
                .setJournalMinFiles(2)
                .setJournalPoolFiles(10);
        if (aio) {
            cfg.setJournalBufferTimeout_AIO((int) syncNanos);
        } else {
            cfg.setJournalBufferTimeout_NIO((int) syncNanos);
        }
        cfg.addAcceptorConfiguration("mqtt", "tcp://127.0.0.1:" + a.port("mqtt-port") + "?protocols=MQTT");
        cfg.addAcceptorConfiguration("amqp", "tcp://127.0.0.1:" + a.port("amqp-port") + "?protocols=AMQP");
        cfg.addQueueConfiguration(QueueConfiguration.of(TRANSFER_QUEUE).setRoutingType(RoutingType.ANYCAST).setDurable(true));

        EmbeddedActiveMQ server = new EmbeddedActiveMQ();
        server.setConfiguration(cfg);
        server.start();
        System.out.println("artemis: journal " + (aio ? "ASYNCIO" : "NIO") + ", sync on, buffer timeout " + syncNanos + " ns");
        Runnable stop = PeerArgs.once(() -> stop(server));
        Runtime.getRuntime().addShutdownHook(new Thread(stop));
        PeerArgs.readyThenAwaitEndOfInput();
        stop.run();
        System.exit(0);
    }

    private static void stop(EmbeddedActiveMQ server) {
        try {
            server.stop();
        } catch (Exception e) {
            System.err.println("artemis: stop failed: " + e);
        }
    }

    /**
     * Mean time of one 4 KiB write plus data sync on the data directory's disk (best of three runs of 100):
     * the journal buffer timeout {@code artemis create} would choose, so group commit waits about one sync.
     */
    static long measureSyncNanos(Path dir) throws IOException {
        Path file = dir.resolve("sync-test.tmp");
        ByteBuffer block = ByteBuffer.allocateDirect(4096);
        long best = Long.MAX_VALUE;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int run = 0; run < 3; run++) {
                long start = System.nanoTime();
                for (int i = 0; i < 100; i++) {
                    block.clear();
                    ch.write(block, (long) i * 4096);
                    ch.force(false);
                }
                best = Math.min(best, (System.nanoTime() - start) / 100);
            }
        } finally {
            Files.deleteIfExists(file);
        }
        return Math.max(10_000, best);
    }
}
