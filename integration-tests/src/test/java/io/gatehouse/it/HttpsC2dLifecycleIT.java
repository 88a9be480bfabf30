package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.core.auth.SasTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cloud-to-device lifecycle over the HTTPS device API of the packaged gateway (ephemeral ports, a plain
 * HTTP client as the device): each outcome with its feedback record. A short lock (1 s) and a maximum delivery
 * count of 2 make lock timeouts and dead-lettering observable in seconds; the lock runs between a GET and the
 * settlement.
 */
class HttpsC2dLifecycleIT {

    private static final String KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final List<String> DEVICES = List.of("h-complete", "h-abandon", "h-reject", "h-lock", "h-expire", "h-purge");

    @TempDir
    static Path dir;
    private static GatewayProcess gateway;
    private static C2dServiceClient service;
    private static HttpClient http;

    @BeforeAll
    static void startGateway() throws Exception {
        gateway = C2dServiceClient.lifecycleGateway(dir.resolve("data"), DEVICES, KEY);
        gateway.start();
        service = new C2dServiceClient(new RestClient(gateway));
        http = HttpClient.newBuilder().sslContext(DevelopmentCaTrust.sslContext(gateway.caCertificate()))
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stopGateway() throws Exception {
        if (gateway != null) {
            gateway.stopCleanly();
        }
    }

    @Test
    void aCompletedMessageGivesSuccessFeedbackAndIsGone() throws Exception {
        service.send("h-complete", "hm-complete", "positive", null);
        HttpResponse<String> got = receive("h-complete");
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo("body of hm-complete");
        assertThat(got.headers().firstValue("iothub-messageid")).contains("hm-complete");
        assertThat(got.headers().firstValue("iothub-app-test")).contains("lifecycle");
        assertThat(settle("DELETE", "h-complete", etag(got), "").statusCode()).isEqualTo(204);

        JsonNode record = service.awaitFeedback("hm-complete");
        assertThat(record.get("statusCode").asText()).isEqualTo("Success");
        assertThat(record.get("deviceId").asText()).isEqualTo("h-complete");
        assertThat(receive("h-complete").statusCode()).isEqualTo(204);
        assertThat(service.queueDepth("h-complete")).isZero();
    }

    @Test
    void anAbandonedMessageComesBackWithItsDeliveryCount() throws Exception {
        service.send("h-abandon", "hm-abandon", "full", null);
        HttpResponse<String> first = receive("h-abandon");
        assertThat(first.headers().firstValue("iothub-deliverycount")).contains("0");
        assertThat(settle("POST", "h-abandon", etag(first), "/abandon").statusCode()).isEqualTo(204);

        HttpResponse<String> second = receive("h-abandon");
        assertThat(second.headers().firstValue("iothub-messageid")).contains("hm-abandon");
        assertThat(second.headers().firstValue("iothub-deliverycount")).contains("1");
        assertThat(settle("DELETE", "h-abandon", etag(second), "").statusCode()).isEqualTo(204);
        assertThat(service.awaitFeedback("hm-abandon").get("statusCode").asText()).isEqualTo("Success");
        assertThat(service.abandonedCount()).isPositive();
    }

    @Test
    void aRejectedMessageIsDeadLetteredWithRejectedFeedback() throws Exception {
        service.send("h-reject", "hm-reject", "negative", null);
        HttpResponse<String> got = receive("h-reject");
        assertThat(settle("DELETE", "h-reject", etag(got), "?reject").statusCode()).isEqualTo(204);
        assertThat(service.awaitFeedback("hm-reject").get("statusCode").asText()).isEqualTo("Rejected");
        assertThat(receive("h-reject").statusCode()).isEqualTo(204);
    }

    @Test
    void anUnsettledLockTimesOutAndTheMaxDeliveryCountDeadLettersIt() throws Exception {
        service.send("h-lock", "hm-lock", "negative", null);
        HttpResponse<String> first = receive("h-lock");
        assertThat(first.statusCode()).isEqualTo(200);
        // locked for a second: polls find nothing, then the message is back with one failed delivery counted
        HttpResponse<String> second = Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> receive("h-lock"), r -> r.statusCode() == 200);
        assertThat(second.headers().firstValue("iothub-deliverycount")).contains("1");
        assertThat(settle("DELETE", "h-lock", etag(first), "").statusCode()).as("the first lock is gone").isEqualTo(412);

        JsonNode record = service.awaitFeedback("hm-lock");
        assertThat(record.get("statusCode").asText()).isEqualTo("DeliveryCountExceeded");
        assertThat(settle("DELETE", "h-lock", etag(second), "").statusCode()).isEqualTo(412);
        assertThat(receive("h-lock").statusCode()).isEqualTo(204);
    }

    @Test
    void aMessageThatExpiresBeforeThePollIsDeadLetteredWithExpiredFeedback() throws Exception {
        service.send("h-expire", "hm-expire", "full", Instant.now().plusSeconds(1));
        assertThat(service.awaitFeedback("hm-expire").get("statusCode").asText()).isEqualTo("Expired");
        assertThat(receive("h-expire").statusCode()).isEqualTo(204);
    }

    @Test
    void aPurgeTakesEvenALockedMessageAndItsLockIsLost() throws Exception {
        service.send("h-purge", "hm-purge-1", "full", null);
        service.send("h-purge", "hm-purge-2", "full", null);
        HttpResponse<String> locked = receive("h-purge");
        assertThat(locked.statusCode()).isEqualTo(200);

        HttpResponse<String> purged = new RestClient(gateway).send("DELETE", "/devices/h-purge/commands", null);
        assertThat(purged.body()).contains("\"totalMessagesPurged\":2");
        assertThat(service.awaitFeedback("hm-purge-1").get("statusCode").asText()).isEqualTo("Purged");
        assertThat(service.awaitFeedback("hm-purge-2").get("statusCode").asText()).isEqualTo("Purged");
        HttpResponse<String> late = settle("DELETE", "h-purge", etag(locked), "");
        assertThat(late.statusCode()).isEqualTo(412);
        assertThat(late.body()).startsWith("{\"Message\":\"ErrorCode:DeviceMessageLockLost;");
        assertThat(receive("h-purge").statusCode()).isEqualTo(204);
    }

    // ------------------------------------------------------------ the device's side, as the SDKs call it

    private static HttpResponse<String> receive(String device) throws Exception {
        return call("GET", "/devices/" + device + "/messages/deviceBound?api-version=2020-09-30", device);
    }

    private static HttpResponse<String> settle(String method, String device, String etag, String suffix) throws Exception {
        return call(method, "/devices/" + device + "/messages/deviceBound/" + etag + suffix, device);
    }

    private static HttpResponse<String> call(String method, String path, String device) throws Exception {
        String token = SasTokens.deviceToken("localhost", device, KEY, Instant.now().plusSeconds(3600));
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://localhost:" + gateway.port("https") + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", token)
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String etag(HttpResponse<String> response) {
        return response.headers().firstValue("ETag").orElseThrow().replace("\"", "");
    }
}
