package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.azure.core.util.IterableStream;
import com.azure.messaging.eventhubs.EventHubConsumerClient;
import com.azure.messaging.eventhubs.models.EventPosition;
import com.azure.messaging.eventhubs.models.PartitionEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.microsoft.azure.sdk.iot.service.messaging.IotHubServiceClientProtocol;
import com.microsoft.azure.sdk.iot.service.messaging.Message;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClient;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClientOptions;
import io.gatehouse.cluster.testing.ClusterEngines;
import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import io.gatehouse.core.auth.SasTokens;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two packaged gateway processes with {@code store.type=cluster} on one Kafka and one PostgreSQL, which the test
 * starts itself: a device provisioned through node B connects to node A at once (read-your-writes of the
 * registry across nodes: its first attempt gets in); the telemetry node A acknowledged is
 * read through node B's Event Hub-compatible endpoint with the unmodified Event Hubs SDK after node A was killed
 * with {@code kill -9}; a device disabled through B is disconnected from A. And C2D across nodes: messages a back
 * end sends through either node with the unmodified service SDK reach the device wherever it is connected.
 */
@ExtendWith(ClusterEngines.class)
class ClusterNodesIT {

    private static final String KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final String DEVICE = "sensor-1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARTITIONS = 2;
    private static final int EVENTS = 200;
    /** Devices created through node B and logging in through node A at once, each. */
    private static final int FRESH_DEVICES = 50;
    private static final Duration WAIT = Duration.ofSeconds(30);
    /**
     * The service SDK dials AMQPS on 5671 only, so for it each node listens on 5671 at a loopback address of its own,
     * which is also its host name (in its service connection string and certificate). Node B keeps 127.0.0.1, which
     * RestClient ({@code localhost}) and MqttDevices dial.
     */
    private static final int SERVICE_AMQPS_PORT = 5671;
    private static final String NODE_A_ADDRESS = "127.0.0.2";
    private static final String NODE_B_ADDRESS = "127.0.0.1";

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
        ClusterStoreConfig cluster = ClusterStoreConfig.fresh(kafka, postgres);
        try (GatewayProcess nodeA = GatewayProcess.configured(dir.resolve("a"), yaml("node-a", cluster));
             GatewayProcess nodeB = GatewayProcess.configured(dir.resolve("b"), yaml("node-b", cluster))) {
            nodeA.start();
            nodeB.start();
            RestClient restB = new RestClient(nodeB);
            restB.json("PUT", "/devices/" + DEVICE + "?api-version=2021-04-12", device("enabled"));

            // read-your-writes: node A hears of the device a moment later, and a login waits for that moment
            Mqtt3AsyncClient client = MqttDevices.client(nodeA, DEVICE, KEY);
            client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            RestClient restA = new RestClient(nodeA);
            for (int i = 0; i < FRESH_DEVICES; i++) {
                String fresh = "fresh-" + i;
                restB.json("PUT", "/devices/" + fresh + "?api-version=2021-04-12", device(fresh, "enabled"));
                HttpResponse<String> read = restA.send("GET", "/devices/" + fresh + "?api-version=2021-04-12", null);
                assertThat(read.statusCode()).as("read through the other node at once: %s", read.body()).isEqualTo(200);
                Mqtt3AsyncClient first = MqttDevices.client(nodeA, fresh, KEY);
                first.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS); // the first attempt, at once, gets in
                first.disconnect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
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

    /**
     * The timers of a node killed with {@code kill -9} run on without its devices: a C2D message queued on node A (its
     * device is connected there but takes no C2D) that expires after A was killed is dead-lettered by node B, which
     * takes over the queues of a node whose heartbeat stopped, and its Expired feedback reaches a back end through B;
     * the other message waits on B. The device never reconnects.
     */
    @Test
    void theTimersOfAKilledNodeRunOnAnotherWithoutItsDevicesReconnecting() throws Exception {
        ClusterStoreConfig cluster = ClusterStoreConfig.fresh(kafka, postgres);
        try (GatewayProcess nodeA = GatewayProcess.configured(dir.resolve("a"), yaml("node-a", cluster));
             GatewayProcess nodeB = GatewayProcess.configured(dir.resolve("b"), yaml("node-b", cluster))) {
            nodeA.start();
            nodeB.start();
            RestClient restA = new RestClient(nodeA);
            RestClient restB = new RestClient(nodeB);
            restB.json("PUT", "/devices/" + DEVICE + "?api-version=2021-04-12", device("enabled"));
            Mqtt3AsyncClient client = MqttDevices.client(nodeA, DEVICE, KEY);
            client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS); // the first attempt gets in (read-your-writes)
            await().atMost(WAIT).until(() -> restA.json("GET", "/gatehouse/statistics", null)
                    .path("cluster").path("devicesOwnedHere").asInt() == 1); // A claimed the device

            Instant expiry = Instant.now().plusSeconds(3);
            for (Map<String, String> headers : List.of(
                    Map.of("iothub-messageid", "expires-after-kill", "iothub-ack", "full", "iothub-expiry", expiry.toString()),
                    Map.of("iothub-messageid", "outlives-the-kill", "iothub-ack", "none"))) {
                HttpResponse<String> sent = restB.send("POST", "/gatehouse/devices/" + DEVICE + "/messages", "command",
                        headers);
                assertThat(sent.statusCode()).as(sent.body()).isEqualTo(201); // handed to A, the owner, and stored there
            }
            nodeA.kill();
            long killedAt = System.nanoTime();

            // B sees A's heartbeat stop, takes its queues over and runs the expiry: the feedback arrives through B
            List<String> statuses = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                HttpResponse<String> taken = restB.send("GET", "/gatehouse/feedback?waitSeconds=5", null);
                if (taken.statusCode() == 200) {
                    for (JsonNode record : JSON.readTree(taken.body()).path("records")) {
                        if ("expires-after-kill".equals(record.path("originalMessageId").asText())) {
                            statuses.add(record.path("statusCode").asText());
                        }
                    }
                }
                return !statuses.isEmpty();
            });
            System.out.printf("node A killed: its queue's expiry ran on node B %.1f s later%n",
                    (System.nanoTime() - killedAt) / 1e9);
            assertThat(statuses).containsExactly("Expired");
            JsonNode device = restB.json("GET", "/devices/" + DEVICE + "?api-version=2021-04-12", null);
            assertThat(device.path("cloudToDeviceMessageCount").asInt()).as("the message without expiry waits on B")
                    .isEqualTo(1);
            assertThat(device.path("connectionState").asText()).isEqualTo("Disconnected");
        }
    }

    /**
     * Device ownership: C2D messages sent through node B with the unmodified service SDK reach the device connected
     * to node A, and messages sent through node A while the device is offline follow it when it connects to node B.
     */
    @Test
    void c2dSentThroughEitherNodeReachesTheDeviceWhereverItIsConnected() throws Exception {
        String device = "actuator-1";
        ClusterStoreConfig cluster = ClusterStoreConfig.fresh(kafka, postgres);
        StandardPorts.awaitFree(SERVICE_AMQPS_PORT); // another test's gateway may still be releasing it
        try (GatewayProcess nodeA = GatewayProcess.configured(dir.resolve("a"), yaml("node-a", cluster, NODE_A_ADDRESS));
             GatewayProcess nodeB = GatewayProcess.configured(dir.resolve("b"), yaml("node-b", cluster, NODE_B_ADDRESS))) {
            nodeA.start();
            nodeB.start();
            assertThat(GatewayProcess.parts(nodeA.serviceConnectionString()).get("HostName")).isEqualTo(NODE_A_ADDRESS);
            assertThat(GatewayProcess.parts(nodeB.serviceConnectionString()).get("HostName")).isEqualTo(NODE_B_ADDRESS);
            RestClient restB = new RestClient(nodeB);
            restB.json("PUT", "/devices/" + device + "?api-version=2021-04-12", device(device, "enabled"));
            // each node lists both in its statistics, by their heartbeats, and publishes how many are alive
            await().atMost(WAIT).untilAsserted(() -> assertThat(restB.json("GET", "/gatehouse/statistics", null)
                    .at("/cluster/nodes").findValuesAsText("node")).containsExactlyInAnyOrder("node-a", "node-b"));
            assertThat(restB.sendWithoutToken("GET", "/metrics").body()).contains("gatehouse_cluster_nodes 2.0");

            // the device receives on node A; the back end sends through node B
            List<String> onA = new CopyOnWriteArrayList<>();
            Mqtt3AsyncClient atA = c2dReceiver(nodeA, NODE_A_ADDRESS, device, onA);
            List<String> throughB = IntStream.range(0, 20).mapToObj(i -> "sent through node B " + i).toList();
            sendWithServiceSdk(nodeB, device, throughB);
            await().atMost(WAIT).untilAsserted(() -> assertThat(onA)
                    .as("C2D sent through node B, received on node A").containsExactlyInAnyOrderElementsOf(throughB));

            // the device goes offline; messages sent through node A meanwhile wait for it and follow it to node B
            atA.disconnect().get(10, TimeUnit.SECONDS);
            List<String> throughA = IntStream.range(0, 10).mapToObj(i -> "queued through node A " + i).toList();
            sendWithServiceSdk(nodeA, device, throughA);
            List<String> onB = new CopyOnWriteArrayList<>();
            Mqtt3AsyncClient atB = c2dReceiver(nodeB, NODE_B_ADDRESS, device, onB);
            // exactly these: every message of the first part was PUBACKed before the DISCONNECT, so none comes again
            await().atMost(WAIT).untilAsserted(() -> assertThat(onB)
                    .as("C2D queued through node A while offline, received on node B")
                    .containsExactlyInAnyOrderElementsOf(throughA));
            atB.disconnect().get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A device client of {@code node} (at {@code address}, as MqttDevices builds one for 127.0.0.1) that connects with a
     * clean session once the node knows the device, and subscribes to its C2D topic at QoS 1. Each message is PUBACKed
     * before its body goes to {@code bodies}, so a DISCONNECT sent after {@code bodies} shows it follows the PUBACK
     * on the connection.
     */
    private static Mqtt3AsyncClient c2dReceiver(GatewayProcess node, String address, String deviceId, List<String> bodies)
            throws Exception {
        String token = SasTokens.deviceToken(address, deviceId, KEY, Instant.now().plusSeconds(3600));
        Mqtt3AsyncClient client = MqttClient.builder().useMqttVersion3().identifier(deviceId).serverHost(address)
                .serverPort(node.port("mqtt-plain"))
                .simpleAuth().username(address + "/" + deviceId + "/?api-version=2021-04-12")
                .password(token.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                .buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, p -> {
            p.acknowledge();
            bodies.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
        }, true);
        // a device created through another node a moment ago: its login waits until this node heard of it
        client.connectWith().cleanSession(true).send().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        client.subscribeWith().topicFilter("devices/" + deviceId + "/messages/devicebound/#").qos(MqttQos.AT_LEAST_ONCE)
                .send().get(30, TimeUnit.SECONDS);
        return client;
    }

    /** Sends each body as a C2D message to {@code deviceId} through {@code node} with the service SDK's MessagingClient (AMQPS). */
    private static void sendWithServiceSdk(GatewayProcess node, String deviceId, List<String> bodies) throws Exception {
        MessagingClient messaging = new MessagingClient(node.serviceConnectionString(), IotHubServiceClientProtocol.AMQPS,
                MessagingClientOptions.builder().sslContext(DevelopmentCaTrust.sslContext(node.caCertificate())).build());
        messaging.open();
        try {
            for (String body : bodies) {
                Message message = new Message(body);
                message.setMessageId("m-" + body.replace(' ', '-'));
                messaging.send(deviceId, message);
            }
        } finally {
            messaging.close();
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
        return device(DEVICE, status);
    }

    private static String device(String id, String status) {
        return """
                {"deviceId": "%s", "status": "%s",
                 "authentication": {"type": "sas", "symmetricKey": {"primaryKey": "%s", "secondaryKey": "%s"}}}
                """.formatted(id, status, KEY, KEY);
    }

    private static String yaml(String nodeId, ClusterStoreConfig cluster) {
        return EventHubsGatewayConfig.ephemeralPorts(PARTITIONS) + cluster.yaml(nodeId);
    }

    /** A node listening at {@code address}, which is also its host name, with AMQPS on the service SDK's port. */
    private static String yaml(String nodeId, ClusterStoreConfig cluster, String address) {
        return """
                hostName: %s
                bindAddress: %s
                mqtt: {port: 0, plainPort: 0}
                amqp: {port: %d, plainPort: 0}
                https: {port: 0}
                health: {port: 0}
                events: {partitionCount: %d}
                """.formatted(address, address, SERVICE_AMQPS_PORT, PARTITIONS) + cluster.yaml(nodeId);
    }
}
