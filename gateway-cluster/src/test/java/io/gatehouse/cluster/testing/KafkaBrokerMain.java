package io.gatehouse.cluster.testing;

import java.io.FileInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.utils.Time;

/**
 * The child JVM of {@link EmbeddedKafka}: formats the log directory, runs one KRaft node (broker and
 * controller), prints {@value #READY} once it serves, and stops when its standard input closes, which
 * happens when the parent stops it or dies. So a test JVM that crashes leaves no broker behind.
 */
public final class KafkaBrokerMain {

    static final String READY = "gatehouse-kafka-ready";

    private KafkaBrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        String propertiesFile = args[0];
        String clusterId = args[1]; // the same on every start of one node: a restart finds its own log directory
        Properties properties = new Properties();
        try (InputStream in = new FileInputStream(propertiesFile)) {
            properties.load(in);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        int formatted = StorageTool.execute(new String[] {"format", "--cluster-id", clusterId,
            "--config", propertiesFile, "--ignore-formatted"}, out);
        if (formatted != 0) {
            throw new IllegalStateException("kafka-storage format failed with " + formatted);
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(properties), Time.SYSTEM);
        server.startup();
        out.println(READY);
        while (System.in.read() >= 0) {
            // the parent never writes: wait for end of input
        }
        server.shutdown();
        server.awaitShutdown();
        System.exit(0);
    }
}
