package io.gatehouse.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.gatehouse.cluster.testing.ClusterEngines;
import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.StartPosition;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.Device;
import io.gatehouse.server.config.GatehouseConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Two gateways with {@code store.type=cluster}: telemetry a device sends to one is read through the other. */
@ExtendWith(ClusterEngines.class)
class GatehouseOnClusterTest {

    private final EmbeddedKafka kafka;
    private final EmbeddedPostgres postgres;

    GatehouseOnClusterTest(EmbeddedKafka kafka, EmbeddedPostgres postgres) {
        this.kafka = kafka;
        this.postgres = postgres;
    }

    @Test
    void telemetryPublishedToOneNodeIsReadThroughAnother(@TempDir Path dirA, @TempDir Path dirB) throws Exception {
        String jdbcUrl = postgres.newSchemaUrl();
        try (Gatehouse nodeA = Gatehouse.start(GatehouseConfig.of(clusterNode("node-a", dirA, jdbcUrl)));
             Gatehouse nodeB = Gatehouse.start(GatehouseConfig.of(clusterNode("node-b", dirB, jdbcUrl)))) {
            Device device = nodeA.core().registry().create(DeviceId.of("sensor-1")).get(20, TimeUnit.SECONDS);
            BlockingQueue<D2cEvent> readOnB = new LinkedBlockingQueue<>();
            nodeB.core().events().openReader("$Default", nodeB.core().events().partitionFor(device.id()),
                    StartPosition.earliest(), readOnB::add).addCredit(100);

            Mqtt3BlockingClient client = MqttClient.builder().useMqttVersion3().identifier("sensor-1")
                    .serverHost("127.0.0.1").serverPort(nodeA.port("mqtt-plain").orElseThrow()).buildBlocking();
            client.connectWith().cleanSession(true).simpleAuth()
                    .username("127.0.0.1/sensor-1/?api-version=2021-04-12")
                    .password(SasTokens.deviceToken("127.0.0.1", "sensor-1", device.keys().primaryKey(),
                            Instant.now().plusSeconds(3600)).getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth().send();
            for (int i = 0; i < 3; i++) {
                // returns on PUBACK, which node A sends once Kafka has the event
                client.publishWith().topic("devices/sensor-1/messages/events/").qos(MqttQos.AT_LEAST_ONCE)
                        .payload(("reading " + i).getBytes(StandardCharsets.UTF_8)).send();
            }
            client.disconnect();

            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                D2cEvent event = readOnB.poll(20, TimeUnit.SECONDS);
                assertThat(event).as("event %d read through node B", i).isNotNull();
                assertThat(event.source().deviceId()).isEqualTo(device.id());
                bodies.add(new String(event.body(), StandardCharsets.UTF_8));
            }
            assertThat(bodies).containsExactly("reading 0", "reading 1", "reading 2");
        }
    }

    private Map<String, String> clusterNode(String nodeId, Path dataDir, String jdbcUrl) {
        Map<String, String> p = new HashMap<>(Map.of("dataDir", dataDir.toString(), "bindAddress", "127.0.0.1",
                "mqtt.port", "0", "mqtt.plainPort", "0", "amqp.port", "0", "amqp.plainPort", "0", "https.port", "0",
                "health.port", "0"));
        p.putAll(Map.of("store.type", "cluster", "cluster.nodeId", nodeId,
                "cluster.kafka.bootstrapServers", kafka.bootstrapServers(), "cluster.jdbc.url", jdbcUrl,
                "cluster.jdbc.user", EmbeddedPostgres.USER));
        return p;
    }
}
