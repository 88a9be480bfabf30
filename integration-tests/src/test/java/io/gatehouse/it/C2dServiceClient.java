package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
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
