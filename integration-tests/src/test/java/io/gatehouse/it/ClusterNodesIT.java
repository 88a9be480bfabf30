package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.azure.core.util.IterableStream;
import com.azure.messaging.eventhubs.EventHubConsumerClient;
import com.azure.messaging.eventhubs.models.EventPosition;
import com.azure.messaging.eventhubs.models.PartitionEvent;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.gatehouse.cluster.testing.ClusterEngines;
import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two packaged gateway processes with {@code store.type=cluster} on one Kafka and one PostgreSQL, which the test
 * starts itself: a device provisioned through node B connects to node A; the telemetry node A acknowledged is
 * read through node B's Event Hub-compatible endpoint with the unmodified Event Hubs SDK after node A was killed
 * with {@code kill -9}; a device disabled through B is disconnected from A.
 */
@ExtendWith(ClusterEngines.class)
class ClusterNodesIT {

    private static final String KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final String DEVICE = "sensor-1";
    private static final int PARTITIONS = 2;
    private static final int EVENTS = 200;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final EmbeddedKafka kafka;
    private final EmbeddedPostgres postgres;

    @TempDir
    Path dir;

    ClusterNodesIT(EmbeddedKafka kafka, EmbeddedPostgres postgres) {
        this.kafka = kafka;
        this.postgres = postgres;
    }

    @Test
    void nodesShareIdentitiesAndTelemetryAndAKilledNodeLosesNoAcknowledgedEvent() throws Exception {
        String jdbcUrl = postgres.newSchemaUrl();
        String topic = "it-events-" + System.nanoTime();
        try (GatewayProcess nodeA = GatewayProcess.configured(dir.resolve("a"), yaml("node-a", jdbcUrl, topic));
             GatewayProcess nodeB = GatewayProcess.configured(dir.resolve("b"), yaml("node-b", jdbcUrl, topic))) {
            nodeA.start();
            nodeB.start();
            RestClient restB = new RestClient(nodeB);
            restB.json("PUT", "/devices/" + DEVICE + "?api-version=2021-04-12", device("enabled"));

            // node A hears of the device within a PostgreSQL round trip or so: until then it refuses the login
            Mqtt3AsyncClient client = MqttDevices.client(nodeA, DEVICE, KEY);
            await().atMost(WAIT).ignoreExceptions().until(() -> client.connect().get(5, TimeUnit.SECONDS) != null);
            List<String> sent = IntStream.range(0, EVENTS).mapToObj(i -> "reading " + i).toList();
            CompletableFuture.allOf(sent.stream().map(body -> client.publishWith()
                    .topic("devices/" + DEVICE + "/messages/events/").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(body.getBytes(StandardCharsets.UTF_8)).send()).toArray(CompletableFuture[]::new))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS); // every PUBACK: node A had Kafka's acknowledgement

            restB.send("PUT", "/devices/" + DEVICE + "?api-version=2021-04-12", device("disabled"), Map.of("If-Match", "*"));
            await().atMost(WAIT).until(() -> !client.getState().isConnected());

            nodeA.kill();
            assertThat(readThrough(nodeB)).containsExactlyElementsOf(sent);
        }
    }

    /** Every event of the device's partition, from the start, read through {@code node} with the Event Hubs SDK. */
    private static List<String> readThrough(GatewayProcess node) throws Exception {
        SSLContext previous = EventHubsEndpoint.trustOnlyTheGatewayCa(node);
        try (EventHubConsumerClient consumer = new EventHubsEndpoint(node).client("$Default").buildConsumerClient()) {
            String partition = Integer.toString(EventHubsGatewayConfig.partitionOf(DEVICE, PARTITIONS));
            List<String> bodies = new ArrayList<>();
            EventPosition from = EventPosition.earliest();
            while (bodies.size() < EVENTS) {
                IterableStream<PartitionEvent> batch = consumer.receiveFromPartition(partition, EVENTS, from, WAIT);
                int before = bodies.size();
                for (PartitionEvent e : batch) {
                    bodies.add(e.getData().getBodyAsString());
                    from = EventPosition.fromSequenceNumber(e.getData().getSequenceNumber());
                }
                if (bodies.size() == before) {
                    break; // nothing more within the wait: the assertion shows what is missing
                }
            }
            return bodies;
        } finally {
            SSLContext.setDefault(previous);
        }
    }

    private static String device(String status) {
        return """
                {"deviceId": "%s", "status": "%s",
                 "authentication": {"type": "sas", "symmetricKey": {"primaryKey": "%s", "secondaryKey": "%s"}}}
                """.formatted(DEVICE, status, KEY, KEY);
    }

    private String yaml(String nodeId, String jdbcUrl, String topic) {
        return EventHubsGatewayConfig.ephemeralPorts(PARTITIONS) + """
                store.type: cluster
                cluster.nodeId: %s
                cluster.kafka.bootstrapServers: %s
                cluster.kafka.topic: %s
                cluster.jdbc.url: "%s"
                cluster.jdbc.user: %s
                """.formatted(nodeId, kafka.bootstrapServers(), topic, jdbcUrl, EmbeddedPostgres.USER);
    }
}
