package io.gatehouse.http.device;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventReader;
import io.gatehouse.core.events.EventStream;
import io.gatehouse.core.events.StartPosition;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.feedback.FeedbackJson;
import io.gatehouse.core.feedback.FeedbackRecord;
import io.gatehouse.core.feedback.FeedbackStatus;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.registry.AccessPolicy;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.core.testing.RecordingSink;
import io.gatehouse.core.time.ManualClock;
import io.gatehouse.http.RegistryRoutes;
import io.gatehouse.http.RestChannelInitializer;
import io.gatehouse.http.Router;
import io.gatehouse.tls.DevelopmentPki;
import io.gatehouse.transport.Listener;
import io.gatehouse.transport.NettyTransport;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTPS device API with a real HTTP client: telemetry, C2D polling, settlement, auth and errors. */
class DeviceApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tempDir;

    private static final ManualClock clock = new ManualClock(Instant.now());
    private static GatewayCore core;
    private static NettyTransport transport;
    private static Listener listener;
    private static HttpClient http;
    private static DeviceMessagingRoutes routes;

    @BeforeAll
    static void start() throws Exception {
        HubSettings settings = HubSettings.defaults()
                .with(HubSettings.C2D_MAX_DELIVERY_COUNT.property(), "2")
                .with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S");
        core = GatewayCore.builder().settings(settings).store(new InMemoryStore(4)).clock(clock).shards(2).start();
        DevelopmentPki pki = DevelopmentPki.loadOrCreate(tempDir, List.of("hub.gatehouse.test"));
        Router router = new Router();
        new RegistryRoutes(core).register(router);
        routes = new DeviceMessagingRoutes(core);
        routes.register(router);
        transport = NettyTransport.create(1);
        listener = Listener.bind("https", transport, "127.0.0.1", 0, new RestChannelInitializer(router, core.authenticator(),
                SslContextBuilder.forServer(pki.serverKey(), pki.serverChain()).build()));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(pki.trustStore());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        listener.stopAccepting();
        transport.close();
        core.close();
    }

    private static Device device(String id) {
        return core.registry().create(DeviceId.of(id)).join();
    }

    private static String token(Device device) {
        return SasTokens.deviceToken("hub.gatehouse.test", device.id().value(), device.keys().primaryKey(),
                Instant.now().plusSeconds(3600));
    }

    private static String policyToken(String name) {
        AccessPolicy policy = core.policies().get(name).orElseThrow();
        return SasTokens.serviceToken("hub.gatehouse.test", name, policy.keys().primaryKey(), Instant.now().plusSeconds(3600));
    }

    private static HttpResponse<byte[]> call(String method, String path, String token, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://localhost:" + listener.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("Authorization", token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void assertIotHubError(HttpResponse<byte[]> response, int status, String errorCode) throws Exception {
        assertThat(response.statusCode()).isEqualTo(status);
        JsonNode error = JSON.readTree(response.body());
        assertThat(error.get("Message").asText()).startsWith("ErrorCode:" + errorCode + ";");
    }

    private static List<D2cEvent> events(DeviceId device, int count) {
        BlockingQueue<D2cEvent> seen = new LinkedBlockingQueue<>();
        EventReader reader = core.events().openReader(EventStream.DEFAULT_CONSUMER_GROUP, core.events().partitionFor(device),
                StartPosition.earliest(), e -> {
                    if (e.source().deviceId().equals(device)) {
                        seen.add(e);
                    }
                });
        reader.addCredit(10_000);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= count);
            return new ArrayList<>(seen);
        } finally {
            reader.close();
        }
    }

    private static String sendC2d(DeviceId device, String id, AckMode ack) {
        return core.c2d().send(device, new C2dRequest(MessageProperties.builder().messageId(id).correlationId("c-" + id)
                .put("color", "blue").build(), ack, null, ("body " + id).getBytes(StandardCharsets.UTF_8))).join();
    }

    private static String etag(HttpResponse<byte[]> response) {
        return response.headers().firstValue("ETag").orElseThrow().replace("\"", "");
    }

    private static List<FeedbackRecord> feedback(int count) {
        RecordingSink sink = new RecordingSink();
        Receiver receiver = core.feedback().openReceiver(sink);
        receiver.addCredit(100);
        List<FeedbackRecord> records = new ArrayList<>();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                Delivery d = sink.poll();
                if (d != null) {
                    records.addAll(FeedbackJson.decode(d.message().body()));
                    receiver.complete(d.lockToken()).join();
                }
                return records.size() >= count;
            });
        } finally {
            receiver.close();
        }
        return records;
    }

    @Test
    void telemetryCarriesHeadersAsProperties() throws Exception {
        Device d = device("http-t1");
        HttpResponse<byte[]> sent = call("POST", "/devices/http-t1/messages/events?api-version=2020-09-30", token(d),
                "21.5".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "binary/octet-stream", "iothub-to", "/devices/http-t1/messages/events",
                "iothub-messageid", "m-1", "iothub-correlationid", "c-1", "iothub-contenttype", "application/json",
                "iothub-contentencoding", "utf-8", "iothub-app-Unit", "celsius");
        assertThat(sent.statusCode()).isEqualTo(204);

        D2cEvent event = events(d.id(), 1).get(0);
        assertThat(new String(event.body(), StandardCharsets.UTF_8)).isEqualTo("21.5");
        assertThat(event.properties().messageId()).isEqualTo("m-1");
        assertThat(event.properties().correlationId()).isEqualTo("c-1");
        assertThat(event.properties().contentType()).isEqualTo("application/json");
        assertThat(event.properties().contentEncoding()).isEqualTo("utf-8");
        assertThat(event.properties().to()).isNull();
        assertThat(event.properties().application()).containsExactly(java.util.Map.entry("Unit", "celsius"));
        assertThat(event.source().generationId()).isEqualTo(d.generationId());
    }

    @Test
    void aBatchBecomesOneEventPerElement() throws Exception {
        Device d = device("http-batch");
        String batch = "[{\"body\":\"" + Base64.getEncoder().encodeToString("one".getBytes(StandardCharsets.UTF_8))
                + "\",\"base64Encoded\":true,\"properties\":{\"iothub-messageid\":\"b1\",\"iothub-app-k\":\"v1\"}},"
                + "{\"body\":\"two\",\"base64Encoded\":false},"
                // the Node SDK's form: base64 with no flag
                + "{\"body\":\"" + Base64.getEncoder().encodeToString("three".getBytes(StandardCharsets.UTF_8)) + "\"}]";
        HttpResponse<byte[]> sent = call("POST", "/devices/http-batch/messages/events", token(d),
                batch.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/vnd.microsoft.iothub.json");
        assertThat(sent.statusCode()).isEqualTo(204);

        List<D2cEvent> events = events(d.id(), 3);
        assertThat(events).extracting(e -> new String(e.body(), StandardCharsets.UTF_8)).containsExactly("one", "two", "three");
        assertThat(events.get(0).properties().messageId()).isEqualTo("b1");
        assertThat(events.get(0).properties().application()).containsEntry("k", "v1");

        assertIotHubError(call("POST", "/devices/http-batch/messages/events", token(d), "{}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/vnd.microsoft.iothub.json"), 400, "ArgumentInvalid");
        assertIotHubError(call("POST", "/devices/http-batch/messages/events", token(d), "[{\"body\":\"%%\",\"base64Encoded\":true}]"
                .getBytes(StandardCharsets.UTF_8), "Content-Type", "application/vnd.microsoft.iothub.json"), 400, "ArgumentInvalid");
    }

    @Test
    void onlyTheDeviceInThePathMayCall() throws Exception {
        Device a = device("http-a");
        Device b = device("http-b");
        byte[] body = "x".getBytes(StandardCharsets.UTF_8);
        assertIotHubError(call("POST", "/devices/http-a/messages/events", null, body), 401, "IotHubUnauthorizedAccess");
        assertIotHubError(call("POST", "/devices/http-a/messages/events", token(b), body), 401, "IotHubUnauthorizedAccess");
        assertIotHubError(call("GET", "/devices/http-a/messages/deviceBound", token(b), null), 401, "IotHubUnauthorizedAccess");
        // a policy speaks for devices only with DeviceConnect, as on IoT Hub
        assertIotHubError(call("GET", "/devices/http-a/messages/deviceBound", policyToken("registryRead"), null), 401,
                "IotHubUnauthorizedAccess");
        assertThat(call("GET", "/devices/http-a/messages/deviceBound", policyToken("iothubowner"), null).statusCode()).isEqualTo(204);
        // a device token is no registry credential either
        assertIotHubError(call("GET", "/devices/http-a", token(a), null), 401, "IotHubUnauthorizedAccess");

        // another device's lock token is unknown here
        sendC2d(b.id(), "b-1", AckMode.NONE);
        HttpResponse<byte[]> got = call("GET", "/devices/http-b/messages/deviceBound", token(b), null);
        assertIotHubError(call("DELETE", "/devices/http-a/messages/deviceBound/" + etag(got), token(a), null), 412, "DeviceMessageLockLost");
        assertThat(call("DELETE", "/devices/http-b/messages/deviceBound/" + etag(got), token(b), null).statusCode()).isEqualTo(204);
    }

    @Test
    void pollCompleteAndFeedback() throws Exception {
        Device d = device("http-c2d");
        String t = token(d);
        assertThat(call("GET", "/devices/http-c2d/messages/deviceBound", t, null).statusCode()).isEqualTo(204);

        sendC2d(d.id(), "c1", AckMode.FULL);
        HttpResponse<byte[]> got = call("GET", "/devices/http-c2d/messages/deviceBound?api-version=2020-09-30", t, null,
                "iothub-messagelocktimeout", "180");
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(new String(got.body(), StandardCharsets.UTF_8)).isEqualTo("body c1");
        assertThat(got.headers().firstValue("ETag").orElseThrow()).startsWith("\"").endsWith("\"");
        assertThat(got.headers().firstValue("iothub-messageid")).contains("c1");
        assertThat(got.headers().firstValue("iothub-correlationid")).contains("c-c1");
        assertThat(got.headers().firstValue("iothub-to")).contains("/devices/http-c2d/messages/devicebound");
        assertThat(got.headers().firstValue("iothub-app-color")).contains("blue");
        assertThat(got.headers().firstValue("iothub-ack")).contains("full");
        assertThat(got.headers().firstValue("iothub-deliverycount")).contains("0");
        assertThat(routes.openInboxes()).isEqualTo(1);

        // locked: the next poll finds nothing
        assertThat(call("GET", "/devices/http-c2d/messages/deviceBound", t, null).statusCode()).isEqualTo(204);
        assertThat(call("DELETE", "/devices/http-c2d/messages/deviceBound/" + etag(got), t, null).statusCode()).isEqualTo(204);
        assertIotHubError(call("DELETE", "/devices/http-c2d/messages/deviceBound/" + etag(got), t, null), 412, "DeviceMessageLockLost");
        assertIotHubError(call("DELETE", "/devices/http-c2d/messages/deviceBound/not-a-token", t, null), 400, "ArgumentInvalid");
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> routes.openInboxes() == 0);

        assertThat(feedback(1)).singleElement().satisfies(r -> {
            assertThat(r.originalMessageId()).isEqualTo("c1");
            assertThat(r.status()).isEqualTo(FeedbackStatus.SUCCESS);
        });
    }

    @Test
    void rejectDeadLettersAndAbandonRedelivers() throws Exception {
        Device d = device("http-rej");
        String t = token(d);
        sendC2d(d.id(), "r1", AckMode.NEGATIVE);
        HttpResponse<byte[]> first = call("GET", "/devices/http-rej/messages/deviceBound", t, null);
        assertThat(call("POST", "/devices/http-rej/messages/deviceBound/" + etag(first) + "/abandon", t, new byte[1]).statusCode())
                .isEqualTo(204);

        HttpResponse<byte[]> again = call("GET", "/devices/http-rej/messages/deviceBound", t, null);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.headers().firstValue("iothub-messageid")).contains("r1");
        assertThat(again.headers().firstValue("iothub-deliverycount")).contains("1");
        assertThat(etag(again)).isNotEqualTo(etag(first));
        // the Java SDK's spelling of ?reject
        assertThat(call("DELETE", "/devices/http-rej/messages/devicebound/" + etag(again) + "?api-version=2020-09-30&%3Freject=true",
                t, null).statusCode()).isEqualTo(204);
        assertThat(call("GET", "/devices/http-rej/messages/deviceBound", t, null).statusCode()).isEqualTo(204);
        assertThat(core.c2d().depth(d.id())).isZero();
        assertThat(feedback(1)).singleElement().satisfies(r -> {
            assertThat(r.originalMessageId()).isEqualTo("r1");
            assertThat(r.status()).isEqualTo(FeedbackStatus.REJECTED);
        });
    }

    @Test
    void theLockTimesOutBetweenPollAndSettlement() throws Exception {
        Device d = device("http-lock");
        String t = token(d);
        sendC2d(d.id(), "l1", AckMode.NONE);
        HttpResponse<byte[]> got = call("GET", "/devices/http-lock/messages/deviceBound", t, null);
        assertThat(got.statusCode()).isEqualTo(200);

        clock.advance(core.settings().c2dLockDuration().plusSeconds(1));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> routes.openInboxes() == 0);
        assertIotHubError(call("DELETE", "/devices/http-lock/messages/deviceBound/" + etag(got), t, null), 412, "DeviceMessageLockLost");
        HttpResponse<byte[]> again = call("GET", "/devices/http-lock/messages/deviceBound", t, null);
        assertThat(again.headers().firstValue("iothub-deliverycount")).contains("1");
        assertThat(call("DELETE", "/devices/http-lock/messages/deviceBound/" + etag(again), t, null).statusCode()).isEqualTo(204);
    }

    @Test
    void tooLargeTelemetryIs413() throws Exception {
        Device d = device("http-big");
        byte[] big = new byte[core.settings().d2cMaxMessageBytes() + 1];
        assertIotHubError(call("POST", "/devices/http-big/messages/events", token(d), big), 413, "MessageTooLarge");
    }

    @Test
    void aModulePostsTelemetryWithItsOwnToken() throws Exception {
        Device d = device("http-mod");
        io.gatehouse.core.registry.Module m = core.modules().create(d.id(), "m1", null, null).join();
        String moduleToken = SasTokens.moduleToken("hub.gatehouse.test", "http-mod", "m1", m.keys().primaryKey(),
                Instant.now().plusSeconds(3600));
        byte[] body = "m".getBytes(StandardCharsets.UTF_8);
        assertThat(call("POST", "/devices/http-mod/modules/m1/messages/events", moduleToken, body, "iothub-messageid", "mod-http")
                .statusCode()).isEqualTo(204);
        assertThat(events(d.id(), 1).get(0).source().moduleId()).isEqualTo("m1");
        assertIotHubError(call("POST", "/devices/http-mod/messages/events", moduleToken, body), 401, "IotHubUnauthorizedAccess");
        assertIotHubError(call("POST", "/devices/http-mod/modules/m1/messages/events", token(d), body), 401, "IotHubUnauthorizedAccess");
        assertIotHubError(call("GET", "/devices/http-mod/messages/deviceBound", moduleToken, null), 401, "IotHubUnauthorizedAccess");
    }

    @Test
    void concurrentPollsShareOneMessageAndLeaveNoReceiverBehind() throws Exception {
        Device d = device("http-race");
        String t = token(d);
        sendC2d(d.id(), "race-1", AckMode.NONE);
        List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> polls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            polls.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return call("GET", "/devices/http-race/messages/deviceBound", t, null);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        List<HttpResponse<byte[]>> answers = polls.stream().map(java.util.concurrent.CompletableFuture::join).toList();
        List<HttpResponse<byte[]>> got = answers.stream().filter(r -> r.statusCode() == 200).toList();
        assertThat(got).hasSize(1);
        assertThat(answers).filteredOn(r -> r.statusCode() == 204).hasSize(7);
        assertThat(call("DELETE", "/devices/http-race/messages/deviceBound/" + etag(got.get(0)), t, null).statusCode()).isEqualTo(204);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> routes.openInboxes() == 0);
        assertThat(core.c2d().stats(d.id()).join().receivers()).isZero();
    }
}
