package io.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.events.EventSource;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.testing.RecordingSink;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST API over HTTPS with a real client: IoT Hub's registry shape, auth, errors, and Gatehouse's own routes. */
class RestApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String METRICS_SCRAPE = "# TYPE gatehouse_devices gauge\ngatehouse_devices 2.0\n";

    @TempDir
    static Path tempDir;

    private static RestFixture rest;
    private static GatewayCore core;
    private static String owner;
    private static String readOnly;

    @BeforeAll
    static void start() throws Exception {
        rest = new RestFixture(tempDir, METRICS_SCRAPE);
        core = rest.core;
        owner = rest.token("iothubowner");
        readOnly = rest.token("registryRead");
    }

    @AfterAll
    static void stop() {
        rest.close();
    }

    private static String token(String policy) {
        return rest.token(policy);
    }

    private static HttpResponse<String> call(String method, String path, String token, String body, String... headers) throws Exception {
        return rest.callWithToken(method, path, token, body, headers);
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    private static void assertIotHubError(HttpResponse<String> response, int status, String errorCode) throws Exception {
        assertThat(response.statusCode()).isEqualTo(status);
        JsonNode error = json(response);
        assertThat(error.get("Message").asText()).startsWith("ErrorCode:" + errorCode + ";");
        assertThat(error.has("ExceptionMessage")).isTrue();
    }

    @Test
    void deviceLifecycleWithEtags() throws Exception {
        HttpResponse<String> created = call("PUT", "/devices/rest-1?api-version=2021-04-12", owner, "{\"deviceId\":\"rest-1\"}");
        assertThat(created.statusCode()).isEqualTo(200);
        JsonNode device = json(created);
        assertThat(device.get("deviceId").asText()).isEqualTo("rest-1");
        assertThat(device.get("status").asText()).isEqualTo("enabled");
        assertThat(device.get("connectionState").asText()).isEqualTo("Disconnected");
        assertThat(device.get("cloudToDeviceMessageCount").asInt()).isZero();
        assertThat(device.at("/authentication/type").asText()).isEqualTo("sas");
        assertThat(device.at("/authentication/symmetricKey/primaryKey").asText()).isNotBlank();
        String etag = device.get("etag").asText();

        assertIotHubError(call("PUT", "/devices/rest-1", owner, "{\"deviceId\":\"rest-1\"}"), 409, "DeviceAlreadyExists");
        assertIotHubError(call("PUT", "/devices/rest-1", owner, "{\"deviceId\":\"rest-1\",\"status\":\"disabled\"}",
                "If-Match", "\"stale\""), 412, "PreconditionFailed");

        HttpResponse<String> updated = call("PUT", "/devices/rest-1", owner, "{\"deviceId\":\"rest-1\",\"status\":\"disabled\"}",
                "If-Match", "\"" + etag + "\"");
        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(json(updated).get("status").asText()).isEqualTo("disabled");
        assertThat(json(updated).get("etag").asText()).isNotEqualTo(etag);
        assertThat(json(updated).get("generationId").asText()).isEqualTo(device.get("generationId").asText());

        HttpResponse<String> got = call("GET", "/devices/rest-1", readOnly, null);
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.headers().firstValue("ETag")).hasValue("\"" + json(updated).get("etag").asText() + "\"");

        assertThat(call("DELETE", "/devices/rest-1", owner, null, "If-Match", "*").statusCode()).isEqualTo(204);
        assertIotHubError(call("GET", "/devices/rest-1", owner, null), 404, "DeviceNotFound");
    }

    @Test
    void createWithSuppliedKeysAndListDevices() throws Exception {
        String key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        String body = "{\"deviceId\":\"rest-keys\",\"authentication\":{\"type\":\"sas\",\"symmetricKey\":{\"primaryKey\":\""
                + key + "\",\"secondaryKey\":\"" + key + "\"}}}";
        assertThat(call("PUT", "/devices/rest-keys", owner, body).statusCode()).isEqualTo(200);
        Device stored = core.registry().get(DeviceId.of("rest-keys")).orElseThrow();
        assertThat(stored.keys().primaryKey()).isEqualTo(key);

        HttpResponse<String> list = call("GET", "/devices", readOnly, null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(json(list).findValuesAsText("deviceId")).contains("rest-keys");

        JsonNode stats = json(call("GET", "/statistics/devices", owner, null));
        assertThat(stats.get("totalDeviceCount").asInt()).isEqualTo(core.registry().size());
    }

    @Test
    void emptyKeysAreGeneratedAsIotHubDoes() throws Exception {
        // what the Node service SDK's Registry.create sends for a device given only its id
        String body = "{\"deviceId\":\"rest-empty-keys\",\"authentication\":{\"type\":\"sas\",\"symmetricKey\":"
                + "{\"primaryKey\":\"\",\"secondaryKey\":\"\"}}}";
        HttpResponse<String> created = call("PUT", "/devices/rest-empty-keys", owner, body);
        assertThat(created.statusCode()).isEqualTo(200);
        JsonNode keys = json(created).path("authentication").path("symmetricKey");
        assertThat(keys.path("primaryKey").asText()).isNotBlank().isNotEqualTo(keys.path("secondaryKey").asText());
    }

    @Test
    void purgeReturnsTheNumberOfMessages() throws Exception {
        core.registry().create(DeviceId.of("rest-purge")).join();
        for (int i = 0; i < 3; i++) {
            core.c2d().send(DeviceId.of("rest-purge"), C2dRequest.of("m" + i, new byte[] {1})).join();
        }
        HttpResponse<String> purged = call("DELETE", "/devices/rest-purge/commands", owner, null);
        assertThat(purged.statusCode()).isEqualTo(200);
        assertThat(json(purged).get("deviceId").asText()).isEqualTo("rest-purge");
        assertThat(json(purged).get("totalMessagesPurged").asInt()).isEqualTo(3);
        assertIotHubError(call("DELETE", "/devices/nobody/commands", owner, null), 404, "DeviceNotFound");
    }

    @Test
    void authenticationAndRights() throws Exception {
        assertIotHubError(call("GET", "/devices", null, null), 401, "IotHubUnauthorizedAccess");
        assertIotHubError(call("GET", "/devices", "SharedAccessSignature garbage", null), 401, "IotHubUnauthorizedAccess");
        assertIotHubError(call("PUT", "/devices/rest-ro", readOnly, "{}"), 401, "IotHubUnauthorizedAccess");
        String expired = SasTokens.serviceToken("localhost", "iothubowner",
                core.policies().get("iothubowner").orElseThrow().keys().primaryKey(), Instant.now().minusSeconds(10));
        assertIotHubError(call("GET", "/devices", expired, null), 401, "IotHubUnauthorizedAccess");
    }

    @Test
    void badInputGetsJsonErrors() throws Exception {
        assertIotHubError(call("PUT", "/devices/rest-bad", owner, "{not json"), 400, "ArgumentInvalid");
        assertIotHubError(call("PUT", "/devices/rest-bad", owner, "{\"deviceId\":\"other\"}"), 400, "ArgumentInvalid");
        assertIotHubError(call("PUT", "/devices/rest-bad", owner, "{\"status\":\"sleepy\"}"), 400, "ArgumentInvalid");
        assertIotHubError(call("PUT", "/devices/rest-bad", owner,
                "{\"authentication\":{\"symmetricKey\":{\"primaryKey\":\"short\"}}}"), 400, "ArgumentInvalid");
        assertIotHubError(call("PUT", "/devices/bad%2Fid", owner, "{}"), 400, "ArgumentInvalid");
        assertIotHubError(call("GET", "/nothing/here", owner, null), 404, "NotFound");
        assertIotHubError(call("POST", "/devices", owner, "{}"), 405, "MethodNotAllowed");
        assertIotHubError(call("GET", "/gatehouse/events/partitions/99", owner, null), 400, "ArgumentInvalid");
    }

    @Test
    void healthAndMetricsNeedNoToken() throws Exception {
        HttpResponse<String> health = call("GET", "/health", null, null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(json(health).get("status").asText()).isEqualTo("UP");
        assertThat(json(health).get("durable").asBoolean()).isFalse();
        HttpResponse<String> metrics = call("GET", "/metrics", null, null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).isEqualTo(METRICS_SCRAPE);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
    }

    @Test
    void healthSaysUnavailableWithTheReasonWhileTheStoreCannotReachItsEngine() throws Exception {
        rest.store.unavailable("Kafka at kafka-1:9092 has acknowledged no event for 5 s");
        try {
            HttpResponse<String> health = call("GET", "/health", null, null);
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(json(health).get("status").asText()).isEqualTo("UNAVAILABLE");
            assertThat(json(health).get("reason").asText()).isEqualTo("Kafka at kafka-1:9092 has acknowledged no event for 5 s");
        } finally {
            rest.store.unavailable(null);
        }
        assertThat(call("GET", "/health", null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void sendC2dThroughTheGatehouseRouteAndTakeItsFeedback() throws Exception {
        DeviceId id = DeviceId.of("rest-c2d");
        core.registry().create(id).join();
        HttpResponse<String> sent = call("POST", "/gatehouse/devices/rest-c2d/messages", owner, "hello",
                "iothub-messageid", "mid-1", "iothub-ack", "full", "iothub-app-color", "blue", "Content-Type", "text/plain");
        assertThat(sent.statusCode()).isEqualTo(201);
        assertThat(json(sent).get("messageId").asText()).isEqualTo("mid-1");

        RecordingSink sink = new RecordingSink();
        Receiver receiver = core.c2d().openReceiver(id, sink);
        receiver.addCredit(1);
        Delivery delivery = sink.await(Duration.ofSeconds(5));
        assertThat(delivery.message().properties().application()).containsEntry("color", "blue");
        assertThat(delivery.message().properties().contentType()).isEqualTo("text/plain");
        assertThat(new String(delivery.message().body(), StandardCharsets.UTF_8)).isEqualTo("hello");
        receiver.complete(delivery.lockToken()).join();
        receiver.close();

        HttpResponse<String> feedback = call("GET", "/gatehouse/feedback?waitSeconds=5", owner, null);
        assertThat(feedback.statusCode()).isEqualTo(200);
        JsonNode record = json(feedback).get("records").get(0);
        assertThat(record.get("originalMessageId").asText()).isEqualTo("mid-1");
        assertThat(record.get("statusCode").asText()).isEqualTo("Success");
        assertThat(record.get("deviceId").asText()).isEqualTo("rest-c2d");

        assertIotHubError(call("POST", "/gatehouse/devices/rest-c2d/messages", owner, "x", "iothub-ack", "maybe"),
                400, "ArgumentInvalid");
        assertIotHubError(call("POST", "/gatehouse/devices/nobody/messages", owner, "x"), 404, "DeviceNotFound");
    }

    @Test
    void readEventsOfAPartition() throws Exception {
        Device device = core.registry().create(DeviceId.of("rest-events")).join();
        EventSource source = new EventSource(device.id(), device.generationId(), "{}");
        core.events().append(source, MessageProperties.builder().messageId("e1").put("k", "v").build(),
                "payload".getBytes(StandardCharsets.UTF_8)).join();
        int partition = core.events().partitionFor(device.id());
        HttpResponse<String> events = call("GET", "/gatehouse/events/partitions/" + partition + "?max=100&waitSeconds=5", owner, null);
        assertThat(events.statusCode()).isEqualTo(200);
        JsonNode mine = null;
        for (JsonNode e : json(events)) {
            if (e.get("deviceId").asText().equals("rest-events")) {
                mine = e;
            }
        }
        assertThat(mine).isNotNull();
        assertThat(mine.get("body").asText()).isEqualTo("payload");
        assertThat(mine.at("/systemProperties/messageId").asText()).isEqualTo("e1");
        assertThat(mine.at("/properties/k").asText()).isEqualTo("v");
    }

    @Test
    void moduleLifecycleWithEtags() throws Exception {
        assertThat(call("PUT", "/devices/rest-mod/modules/m1", owner, "{\"moduleId\":\"m1\"}").statusCode()).isEqualTo(404);
        assertThat(call("PUT", "/devices/rest-mod", owner, "{\"deviceId\":\"rest-mod\"}").statusCode()).isEqualTo(200);

        HttpResponse<String> created = call("PUT", "/devices/rest-mod/modules/m1?api-version=2021-04-12", owner,
                "{\"deviceId\":\"rest-mod\",\"moduleId\":\"m1\",\"authentication\":{\"type\":\"sas\",\"symmetricKey\":"
                        + "{\"primaryKey\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}}}");
        assertThat(created.statusCode()).isEqualTo(200);
        JsonNode module = json(created);
        assertThat(module.get("moduleId").asText()).isEqualTo("m1");
        assertThat(module.get("deviceId").asText()).isEqualTo("rest-mod");
        assertThat(module.get("connectionState").asText()).isEqualTo("Disconnected");
        assertThat(module.at("/authentication/symmetricKey/primaryKey").asText()).isEqualTo("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        assertThat(module.at("/authentication/symmetricKey/secondaryKey").asText()).isNotBlank();
        String etag = module.get("etag").asText();
        assertIotHubError(call("PUT", "/devices/rest-mod/modules/m1", owner, "{}"), 409, "ModuleAlreadyExistsOnDevice");
        assertIotHubError(call("PUT", "/devices/rest-mod/modules/m1", owner, "{\"managedBy\":\"x\"}", "If-Match", "\"stale\""),
                412, "PreconditionFailed");
        HttpResponse<String> updated = call("PUT", "/devices/rest-mod/modules/m1", owner, "{\"managedBy\":\"edge\"}",
                "If-Match", "\"" + etag + "\"");
        assertThat(json(updated).get("managedBy").asText()).isEqualTo("edge");
        assertThat(json(updated).get("etag").asText()).isNotEqualTo(etag);

        assertThat(call("PUT", "/devices/rest-mod/modules/m2", owner, "{}").statusCode()).isEqualTo(200);
        HttpResponse<String> list = call("GET", "/devices/rest-mod/modules", readOnly, null);
        assertThat(json(list).findValuesAsText("moduleId")).containsExactly("m1", "m2");
        assertThat(call("GET", "/devices/rest-mod/modules/m2", readOnly, null).statusCode()).isEqualTo(200);
        assertIotHubError(call("DELETE", "/devices/rest-mod/modules/m2", readOnly, null), 401, "IotHubUnauthorizedAccess");
        assertThat(call("DELETE", "/devices/rest-mod/modules/m2", owner, null, "If-Match", "*").statusCode()).isEqualTo(204);
        assertIotHubError(call("GET", "/devices/rest-mod/modules/m2", readOnly, null), 404, "ModuleNotFound");
        assertIotHubError(call("GET", "/devices/nobody/modules", readOnly, null), 404, "DeviceNotFound");
        assertIotHubError(call("PUT", "/devices/rest-mod/modules/a%2Fb", owner, "{}"), 400, "ArgumentInvalid");
    }
}
