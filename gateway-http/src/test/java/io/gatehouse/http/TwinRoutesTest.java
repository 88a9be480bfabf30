package io.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.core.methods.MethodRequest;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.session.DeviceConnections;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Twins, direct methods and queries over HTTPS, in IoT Hub's shapes. */
class TwinRoutesTest {

    @TempDir
    static Path tempDir;

    private static RestFixture rest;

    @BeforeAll
    static void start() throws Exception {
        rest = new RestFixture(tempDir);
        for (String id : List.of("q1", "q2", "q3", "q4", "q5", "t1", "m1", "m2")) {
            rest.core.registry().create(DeviceId.of(id)).join();
        }
    }

    @AfterAll
    static void stop() {
        rest.close();
    }

    private static void assertError(HttpResponse<String> response, int status, String errorCode) throws Exception {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(RestFixture.json(response).get("Message").asText()).contains(errorCode);
    }

    @Test
    void getPatchAndReplaceATwinWithEtags() throws Exception {
        HttpResponse<String> got = rest.call("GET", "/twins/t1?api-version=2021-04-12", null);
        assertThat(got.statusCode()).isEqualTo(200);
        JsonNode twin = RestFixture.json(got);
        assertThat(twin.get("deviceId").asText()).isEqualTo("t1");
        assertThat(twin.get("status").asText()).isEqualTo("enabled");
        assertThat(twin.get("connectionState").asText()).isEqualTo("Disconnected");
        assertThat(twin.at("/properties/desired/$version").asLong()).isEqualTo(1);
        String etag = twin.get("etag").asText();
        assertThat(got.headers().firstValue("ETag")).hasValue("\"" + etag + "\"");

        // the Java service SDK sends PATCH as POST with X-HTTP-Method-Override
        HttpResponse<String> patched = rest.call("POST", "/twins/t1", "{\"tags\":{\"site\":\"north\"},\"properties\":{\"desired\":{\"rate\":5,\"$version\":1}}}",
                "X-HTTP-Method-Override", "PATCH", "If-Match", "\"" + etag + "\"");
        assertThat(patched.statusCode()).isEqualTo(200);
        JsonNode after = RestFixture.json(patched);
        assertThat(after.at("/tags/site").asText()).isEqualTo("north");
        assertThat(after.at("/properties/desired/rate").asInt()).isEqualTo(5);
        assertThat(after.at("/properties/desired/$version").asLong()).isEqualTo(2);
        assertThat(after.at("/properties/desired/$metadata/rate/$lastUpdatedVersion").asLong()).isEqualTo(2);
        assertThat(after.get("version").asLong()).isEqualTo(2);

        assertError(rest.call("PATCH", "/twins/t1", "{\"properties\":{\"desired\":{\"rate\":6}}}", "If-Match", "\"" + etag + "\""),
                412, "PreconditionFailed");

        HttpResponse<String> replaced = rest.call("PUT", "/twins/t1", "{\"properties\":{\"desired\":{\"mode\":\"eco\"}}}", "If-Match", "*");
        JsonNode now = RestFixture.json(replaced);
        assertThat(now.has("tags")).isFalse();
        assertThat(now.at("/properties/desired/rate").isMissingNode()).isTrue();
        assertThat(now.at("/properties/desired/mode").asText()).isEqualTo("eco");
    }

    @Test
    void badTwinBodiesAreIotHubErrors() throws Exception {
        assertError(rest.call("PATCH", "/twins/t1", "{\"properties\":{\"reported\":{\"x\":1}}}"), 400, "ArgumentInvalid");
        assertError(rest.call("PATCH", "/twins/t1", "{\"properties\":{\"desired\":{\"a.b\":1}}}"), 400, "ArgumentInvalid");
        assertError(rest.call("PATCH", "/twins/t1", "{\"tags\":[1]}"), 400, "ArgumentInvalid");
        assertError(rest.call("PATCH", "/twins/t1", "not json"), 400, "ArgumentInvalid");
        assertError(rest.call("GET", "/twins/nobody", null), 404, "DeviceNotFound");
        assertError(rest.call("PATCH", "/twins/nobody", "{\"tags\":{\"a\":1}}"), 404, "DeviceNotFound");
    }

    @Test
    void methodsReachTheSubscribedDeviceAndItsAnswerComesBack() throws Exception {
        BlockingQueue<MethodRequest> requests = new LinkedBlockingQueue<>();
        DeviceId m1 = DeviceId.of("m1");
        rest.core.methods().subscribe(rest.core.connections().register(m1, connection()), requests::add);
        Thread device = new Thread(() -> {
            try {
                MethodRequest request = requests.poll(10, TimeUnit.SECONDS);
                String echo = "{\"got\":" + new String(request.payload(), StandardCharsets.UTF_8) + ",\"name\":\"" + request.name() + "\"}";
                rest.core.methods().respond(m1, request.requestId(), 201, echo.getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        device.start();
        HttpResponse<String> response = rest.call("POST", "/twins/m1/methods",
                "{\"methodName\":\"reboot\",\"payload\":{\"in\":3},\"responseTimeoutInSeconds\":10,\"connectTimeoutInSeconds\":0}");
        device.join();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(RestFixture.json(response)).isEqualTo(RestFixture.JSON.readTree("{\"status\":201,\"payload\":{\"got\":{\"in\":3},\"name\":\"reboot\"}}"));
    }

    @Test
    void methodsOnADeviceThatIsNotOnlineAre404103AndUnansweredOnesAre504() throws Exception {
        HttpResponse<String> offline = rest.call("POST", "/twins/m2/methods", "{\"methodName\":\"x\",\"payload\":null}");
        assertThat(offline.statusCode()).isEqualTo(404);
        JsonNode inner = RestFixture.JSON.readTree(RestFixture.json(offline).get("Message").asText());
        assertThat(inner.get("errorCode").asInt()).isEqualTo(404103);

        rest.core.methods().subscribe(rest.core.connections().register(DeviceId.of("m2"), connection()), request -> { });
        HttpResponse<String> timeout = rest.call("POST", "/twins/m2/methods", "{\"methodName\":\"x\",\"responseTimeoutInSeconds\":5}");
        assertThat(timeout.statusCode()).isEqualTo(504);
        assertThat(RestFixture.JSON.readTree(RestFixture.json(timeout).get("Message").asText()).get("errorCode").asInt()).isEqualTo(504101);

        assertError(rest.call("POST", "/twins/m2/methods", "{\"methodName\":\"x\",\"responseTimeoutInSeconds\":1}"), 400, "ArgumentInvalid");
        assertError(rest.call("POST", "/twins/m2/methods", "{\"payload\":1}"), 400, "ArgumentInvalid");
        assertError(rest.call("POST", "/twins/m2/methods", "{\"methodName\":\"a/b\"}"), 400, "ArgumentInvalid");
        assertError(rest.call("POST", "/twins/nobody/methods", "{\"methodName\":\"x\"}"), 404, "DeviceNotFound");
    }

    @Test
    void queriesSelectCountAndPage() throws Exception {
        rest.core.twins().patch(DeviceId.of("q2"), null, RestFixture.JSON.readTree("{\"kind\":\"pump\"}"), null).join();
        rest.core.twins().patch(DeviceId.of("q4"), null, RestFixture.JSON.readTree("{\"kind\":\"pump\"}"), null).join();
        HttpResponse<String> pumps = rest.call("POST", "/devices/query", "{\"query\":\"SELECT * FROM devices WHERE tags.kind = 'pump'\"}");
        assertThat(pumps.statusCode()).isEqualTo(200);
        assertThat(ids(RestFixture.json(pumps))).containsExactly("q2", "q4");
        assertThat(pumps.headers().firstValue(TwinRoutes.CONTINUATION)).isEmpty();

        HttpResponse<String> count = rest.call("POST", "/devices/query", "{\"query\":\"SELECT COUNT() AS n FROM devices WHERE STARTSWITH(deviceId, 'q')\"}");
        assertThat(RestFixture.json(count).get(0).get("n").asInt()).isEqualTo(5);

        List<String> seen = new ArrayList<>();
        String continuation = null;
        int pages = 0;
        do {
            HttpResponse<String> page = continuation == null
                    ? rest.call("POST", "/devices/query", "{\"query\":\"SELECT * FROM devices WHERE STARTSWITH(deviceId, 'q')\"}", TwinRoutes.PAGE_SIZE, "2")
                    : rest.call("POST", "/devices/query", "{\"query\":\"SELECT * FROM devices WHERE STARTSWITH(deviceId, 'q')\"}", TwinRoutes.PAGE_SIZE, "2",
                            TwinRoutes.CONTINUATION, continuation);
            seen.addAll(ids(RestFixture.json(page)));
            continuation = page.headers().firstValue(TwinRoutes.CONTINUATION).orElse(null);
            pages++;
        } while (continuation != null);
        assertThat(seen).containsExactly("q1", "q2", "q3", "q4", "q5");
        assertThat(pages).isEqualTo(3);

        HttpResponse<String> unsupported = rest.call("POST", "/devices/query", "{\"query\":\"SELECT * FROM devices.modules\"}");
        assertError(unsupported, 400, "FROM devices.modules is not supported");
        assertError(rest.call("POST", "/devices/query", "{\"query\":\"SELECT * FROM devices\"}", TwinRoutes.PAGE_SIZE, "0"), 400, "ArgumentInvalid");
    }

    private static List<String> ids(JsonNode array) {
        List<String> ids = new ArrayList<>();
        array.forEach(t -> ids.add(t.get("deviceId").asText()));
        return ids;
    }

    private static DeviceConnections.Connection connection() {
        return new DeviceConnections.Connection() {
            @Override
            public String protocol() {
                return "test";
            }

            @Override
            public void close(String reason) {
            }
        };
    }
}
