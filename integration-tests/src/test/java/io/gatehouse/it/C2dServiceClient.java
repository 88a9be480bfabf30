package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;

/**
 * The service side of the C2D lifecycle ITs over the gateway's REST routes: send with IoT Hub's headers, take
 * feedback until a record shows up, read queue statistics.
 */
final class C2dServiceClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RestClient rest;
    /** Every feedback record taken so far: the feedback queue is shared by all devices and tests. */
    private final List<JsonNode> feedback = new CopyOnWriteArrayList<>();

    /**
     * A gateway for lifecycle tests, not yet started: ephemeral ports, {@code devices} declared with {@code key},
     * a 1 s lock, at most 2 deliveries and feedback without batching delay, then {@code extra} {@code --set}s.
     */
    static GatewayProcess lifecycleGateway(Path dataDir, List<String> devices, String key, String... extra) throws IOException {
        StringBuilder yaml = new StringBuilder("""
                bindAddress: 127.0.0.1
                mqtt: {port: 0, plainPort: 0}
                amqp: {port: 0, plainPort: 0}
                https: {port: 0}
                health: {port: 0}
                devices:
                """);
        devices.forEach(d -> yaml.append("  - {id: ").append(d).append(", primaryKey: \"").append(key).append("\"}\n"));
        List<String> args = new ArrayList<>(List.of("--set", "cloudToDevice.lockDurationAsIso8601=PT1S",
                "--set", "cloudToDevice.maxDeliveryCount=2",
                "--set", "cloudToDevice.feedback.batchWindowAsIso8601=PT0S"));
        for (String setting : extra) {
            args.add("--set");
            args.add(setting);
        }
        return GatewayProcess.configured(dataDir, yaml.toString(), args.toArray(String[]::new));
    }

    C2dServiceClient(RestClient rest) {
        this.rest = rest;
    }

    void send(String device, String messageId, String ack, Instant expiry) throws Exception {
        HttpResponse<String> response = post(device, messageId, ack, expiry);
        assertThat(response.statusCode()).as("send %s: %s", messageId, response.body()).isEqualTo(201);
        assertThat(JSON.readTree(response.body()).get("messageId").asText()).isEqualTo(messageId);
    }

    HttpResponse<String> post(String device, String messageId, String ack, Instant expiry) throws Exception {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("iothub-messageid", messageId);
        headers.put("iothub-ack", ack);
        headers.put("iothub-app-test", "lifecycle");
        if (expiry != null) {
            headers.put("iothub-expiry", expiry.toString());
        }
        return rest.send("POST", "/gatehouse/devices/" + device + "/messages", "body of " + messageId, headers);
    }

    /** Takes feedback messages until one holds a record for {@code messageId}. */
    JsonNode awaitFeedback(String messageId) {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            JsonNode found = find(messageId);
            if (found != null) {
                return found;
            }
            HttpResponse<String> taken = rest.send("GET", "/gatehouse/feedback?waitSeconds=1", null);
            if (taken.statusCode() == 200) {
                JSON.readTree(taken.body()).get("records").forEach(feedback::add);
            }
            return find(messageId);
        }, record -> record != null);
    }

    private JsonNode find(String messageId) {
        return feedback.stream().filter(r -> messageId.equals(r.path("originalMessageId").asText())).findFirst().orElse(null);
    }

    long abandonedCount() throws Exception {
        return rest.json("GET", "/gatehouse/statistics", null).get("c2d").get("abandoned").asLong();
    }

    int queueDepth(String device) throws Exception {
        return rest.json("GET", "/gatehouse/statistics", null).get("queues").path(device).path("depth").asInt(0);
    }
}
