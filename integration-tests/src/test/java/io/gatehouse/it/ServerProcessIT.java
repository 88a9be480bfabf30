package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged gateway as a process: start-up banner, configuration errors, REST, SIGTERM, restart. */
class ServerProcessIT {

    @TempDir
    Path dir;

    private static final String EPHEMERAL = """
            bindAddress: 127.0.0.1
            mqtt: {port: 0, plainPort: 0}
            amqp: {port: 0, plainPort: 0}
            https: {port: 0}
            health: {port: 0}
            """;

    @Test
    void startPrintsWhatAUserNeedsAndRestartsOnTheSameData() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.configured(dir.resolve("data"), EPHEMERAL + "devices: [it-1]\n")) {
            long started = System.nanoTime();
            gateway.start();
            long firstStartMillis = (System.nanoTime() - started) / 1_000_000;
            String banner = String.join("\n", gateway.stdout());
            assertThat(banner).contains("Store:                      journal, sync=batch (durable)");
            assertThat(banner).contains("Hub host name:              127.0.0.1");
            assertThat(banner).containsPattern("Service connection string:  HostName=127.0.0.1;SharedAccessKeyName=iothubowner;SharedAccessKey=\\S+=");
            Path ca = gateway.caCertificate();
            assertThat(ca).isAbsolute().exists();
            assertThat(banner).contains("CA certificate to trust:    " + ca);

            String connection = gateway.serviceConnectionString();
            String caPem = Files.readString(ca);
            RestClient rest = new RestClient(gateway);
            JsonNode device = rest.json("GET", "/devices/it-1", null);
            assertThat(device.get("deviceId").asText()).isEqualTo("it-1");

            assertThat(gateway.stop()).isIn(0, 143);
            assertThat(gateway.log()).contains("Gateway stopped");

            started = System.nanoTime();
            gateway.start();
            long restartMillis = (System.nanoTime() - started) / 1_000_000;
            System.out.printf("start-up to accepting connections: first %d ms, on the existing data dir %d ms%n",
                    firstStartMillis, restartMillis);
            assertThat(gateway.serviceConnectionString()).as("keys are generated once").isEqualTo(connection);
            assertThat(gateway.caCertificate()).isEqualTo(ca);
            assertThat(Files.readString(gateway.caCertificate())).isEqualTo(caPem);
            assertThat(new RestClient(gateway).json("GET", "/devices/it-1", null).get("generationId").asText())
                    .isEqualTo(device.get("generationId").asText());
        }
    }

    @Test
    void invalidConfigurationStopsStartUpWithOneLineNamingTheProperty() throws Exception {
        GatewayProcess.Result bad = GatewayProcess.run(Duration.ofSeconds(30), "start", "--data-dir",
                dir.resolve("d1").toString(), "--set", "cloudToDevice.maxDeliveryCount=0");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr().strip()).isEqualTo("gatehouse: invalid configuration: cloudToDevice.maxDeliveryCount: "
                + "'0' is not allowed; allowed: an integer from 1 to 100");
        assertThat(bad.stdout()).isEmpty();

        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "mqtt:\n  port: eighty\n");
        GatewayProcess.Result badFile = GatewayProcess.run(Duration.ofSeconds(30), "start", "--config", file.toString());
        assertThat(badFile.exitCode()).isEqualTo(2);
        assertThat(badFile.stderr()).contains("mqtt.port").contains("eighty");

        GatewayProcess.Result unknown = GatewayProcess.run(Duration.ofSeconds(30), "start", "--set", "mqtt.prot=1");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("unknown property 'mqtt.prot'");

        GatewayProcess.Result help = GatewayProcess.run(Duration.ofSeconds(30), "start", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.stdout()).contains("--data-dir").contains("cloudToDevice.defaultTtlAsIso8601").contains("store.sync");
    }

    @Test
    void aSecondGatewayOnTheSameDataDirectoryIsRefused() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.configured(dir.resolve("shared"), EPHEMERAL)) {
            gateway.start();
            GatewayProcess.Result second = GatewayProcess.run(Duration.ofSeconds(30), "start", "--data-dir",
                    gateway.dataDir().toString(), "--set", "https.port=0", "--set", "mqtt.port=0", "--set", "mqtt.plainPort=0",
                    "--set", "amqp.port=0", "--set", "amqp.plainPort=0");
            assertThat(second.exitCode()).isEqualTo(1);
            assertThat(second.stderr()).contains("in use by another gateway");
        }
    }

    @Test
    void cliManagesDevicesOfARunningGateway() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.configured(dir.resolve("cli"), EPHEMERAL)) {
            gateway.start();
            String dataDir = gateway.dataDir().toString();
            GatewayProcess.Result created = GatewayProcess.run(Duration.ofSeconds(30), "device", "create", "cli-1", "--data-dir", dataDir);
            assertThat(created.exitCode()).as(created.stderr()).isZero();
            assertThat(created.stdout().strip()).matches("HostName=127\\.0\\.0\\.1;DeviceId=cli-1;SharedAccessKey=\\S+");

            GatewayProcess.Result info = GatewayProcess.run(Duration.ofSeconds(30), "info", "--data-dir", dataDir);
            assertThat(info.exitCode()).as(info.stderr()).isZero();
            assertThat(info.stdout()).contains("Service connection string:  " + gateway.serviceConnectionString())
                    .containsPattern("Event Hub-compatible:       Endpoint=sb://127\\.0\\.0\\.1/;SharedAccessKeyName=iothubowner;"
                            + "SharedAccessKey=\\S+;EntityPath=gatehouse");

            GatewayProcess.Result sent = GatewayProcess.run(Duration.ofSeconds(30), "c2d", "send", "cli-1", "hi", "--ack", "full",
                    "--data-dir", dataDir);
            assertThat(sent.exitCode()).as(sent.stderr()).isZero();

            GatewayProcess.Result list = GatewayProcess.run(Duration.ofSeconds(30), "device", "list", "--data-dir", dataDir);
            assertThat(list.stdout()).containsPattern("cli-1\\s+enabled\\s+Disconnected\\s+1");

            GatewayProcess.Result missing = GatewayProcess.run(Duration.ofSeconds(30), "device", "show", "nobody", "--data-dir", dataDir);
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.stderr()).contains("404").contains("nobody");

            GatewayProcess.Result deleted = GatewayProcess.run(Duration.ofSeconds(30), "device", "delete", "cli-1", "--data-dir", dataDir);
            assertThat(deleted.exitCode()).isZero();
            assertThat(new RestClient(gateway).send("GET", "/devices/cli-1", null).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void cliTailsEventsAndFeedback() throws Exception {
        String key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        try (GatewayProcess gateway = GatewayProcess.configured(dir.resolve("tail"),
                EPHEMERAL + "devices: [{id: tail-1, primaryKey: " + key + "}]\n")) {
            gateway.start();
            String dataDir = gateway.dataDir().toString();
            Mqtt3BlockingClient device = MqttDevices.client(gateway, "tail-1", key).toBlocking();
            device.connectWith().cleanSession(true).send();
            device.publishWith().topic("devices/tail-1/messages/events/k=v").qos(MqttQos.AT_LEAST_ONCE)
                    .payload("hello from tail-1".getBytes(StandardCharsets.UTF_8)).send();

            GatewayProcess.Result events = GatewayProcess.run(Duration.ofSeconds(30), "events", "tail", "--data-dir", dataDir);
            assertThat(events.exitCode()).as(events.stderr()).isZero();
            assertThat(events.stdout()).contains("\"deviceId\":\"tail-1\"").contains("hello from tail-1").contains("\"k\":\"v\"");

            try (Mqtt3BlockingClient.Mqtt3Publishes c2d = device.publishes(MqttGlobalPublishFilter.ALL)) {
                device.subscribeWith().topicFilter("devices/tail-1/messages/devicebound/#").qos(MqttQos.AT_LEAST_ONCE).send();
                GatewayProcess.Result sent = GatewayProcess.run(Duration.ofSeconds(30), "c2d", "send", "tail-1", "reboot",
                        "--ack", "full", "--message-id", "cli-mid-1", "--data-dir", dataDir);
                assertThat(sent.exitCode()).as(sent.stderr()).isZero();
                // receiving it PUBACKs it: the message completes and positive feedback follows
                assertThat(c2d.receive(30, TimeUnit.SECONDS)).isPresent();
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                GatewayProcess.Result feedback = GatewayProcess.run(Duration.ofSeconds(30), "feedback", "tail", "--data-dir", dataDir);
                assertThat(feedback.exitCode()).as(feedback.stderr()).isZero();
                assertThat(feedback.stdout()).containsPattern("Success\\s+cli-mid-1\\s+device=tail-1");
            });
            device.disconnect();
        }
    }

    @Test
    void restErrorsThroughTheProcessAreJson() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.configured(dir.resolve("rest"), EPHEMERAL)) {
            gateway.start();
            RestClient rest = new RestClient(gateway);
            var response = rest.send("PUT", "/devices/x", "{broken");
            assertThat(response.statusCode()).isEqualTo(400);
            JsonNode error = new ObjectMapper().readTree(response.body());
            assertThat(error.get("Message").asText()).startsWith("ErrorCode:ArgumentInvalid;");
            assertThat(rest.sendWithoutToken("GET", "/devices").statusCode()).isEqualTo(401);
            assertThat(rest.send("GET", "/health", null).statusCode()).isEqualTo(200);
        }
    }
}
