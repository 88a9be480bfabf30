package io.gatehouse.http.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.events.EventSource;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.http.RestChannelInitializer;
import io.gatehouse.http.Router;
import io.gatehouse.transport.Listener;
import io.gatehouse.transport.NettyTransport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /gatehouse/events/stream} on a real listener, read by a plain socket as a browser's EventSource reads it. */
class TelemetryStreamRouteTest {

    private static GatewayCore core;
    private static NettyTransport transport;
    private static Listener listener;
    private static TelemetryStreamRoute route;
    private static Device watched;
    private static Device other;

    @BeforeAll
    static void start() {
        core = GatewayCore.builder().store(new InMemoryStore(4)).shards(1).start();
        Router router = new Router();
        route = new TelemetryStreamRoute(core);
        route.register(router);
        transport = NettyTransport.create(1);
        listener = Listener.bind("http", transport, "127.0.0.1", 0, new RestChannelInitializer(router, core.authenticator(), null));
        watched = core.registry().create(DeviceId.of("watched")).join();
        other = core.registry().create(DeviceId.of("other")).join();
    }

    @AfterAll
    static void stop() {
        listener.stopAccepting();
        transport.close();
        core.close();
    }

    private static String token(String policy) {
        String key = core.policies().get(policy).orElseThrow().keys().primaryKey();
        return SasTokens.serviceToken("localhost", policy, key, Instant.now().plusSeconds(600));
    }

    private static String sas(String token) {
        return URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    private static void append(Device device, String body) {
        core.events().append(new EventSource(device.id(), device.generationId(), "{}"),
                MessageProperties.builder().put("temperature", "21").build(), body.getBytes(StandardCharsets.UTF_8)).join();
    }

    /** A raw HTTP/1.1 GET whose response lines arrive in {@link #lines} as they are read. */
    private static final class StreamClient implements AutoCloseable {

        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        /** Counted down when the server closes the connection. */
        final CountDownLatch closedByServer = new CountDownLatch(1);
        private final Socket socket;

        StreamClient(String uri, String... headers) throws IOException {
            socket = new Socket("127.0.0.1", listener.port());
            get(uri, headers);
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                    }
                    closedByServer.countDown();
                } catch (IOException e) {
                    // closed by the test
                }
            }, "sse-test-reader");
            reader.setDaemon(true);
            reader.start();
        }

        void get(String uri, String... headers) throws IOException {
            StringBuilder request = new StringBuilder("GET " + uri + " HTTP/1.1\r\nHost: localhost\r\n");
            for (String header : headers) {
                request.append(header).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** The next line that starts with {@code prefix}, skipping others (chunk sizes, blank lines). */
        String next(String prefix) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line != null && line.startsWith(prefix)) {
                    return line;
                }
            }
            throw new AssertionError("no line starting with '" + prefix + "' within 10 s");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void streamsTheDevicesEventsFromNowOnWithTheTokenInTheQuery() throws Exception {
        append(watched, "before the stream");
        try (StreamClient client = new StreamClient("/gatehouse/events/stream?deviceId=watched&sas=" + sas(token("service")))) {
            assertThat(client.next("HTTP/1.1")).isEqualTo("HTTP/1.1 200 OK");
            assertThat(client.next("content-type")).isEqualTo("content-type: text/event-stream; charset=utf-8");
            assertThat(client.next("event:")).isEqualTo("event: ready");
            assertThat(client.next("data:")).contains("\"deviceId\":\"watched\"");

            append(other, "not watched");
            append(watched, "{\"reading\":1}");

            assertThat(client.next("event:")).isEqualTo("event: telemetry");
            String data = client.next("data:");
            assertThat(data).contains("\"deviceId\":\"watched\"", "\"body\":\"{\\\"reading\\\":1}\"",
                    "\"properties\":{\"temperature\":\"21\"}");
        }
    }

    @Test
    void allDevicesWhenNoneIsNamedAndTheHeaderWorksToo() throws Exception {
        try (StreamClient client = new StreamClient("/gatehouse/events/stream", "Authorization: " + token("iothubowner"))) {
            assertThat(client.next("event:")).isEqualTo("event: ready");
            assertThat(client.next("data:")).isEqualTo("data: {\"deviceId\":null,\"partitions\":4}");
            append(other, "from other");
            append(watched, "from watched");
            assertThat(client.next("data:") + client.next("data:")).contains("from other", "from watched");
        }
    }

    @Test
    void theReadersCloseWhenTheClientGoesAway() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> route.openStreams() == 0);
        StreamClient client = new StreamClient("/gatehouse/events/stream?sas=" + sas(token("service")));
        client.next("event: ready");
        assertThat(route.openStreams()).isEqualTo(1);

        client.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> route.openStreams() == 0);
    }

    @Test
    void aConnectionCarryingAStreamTakesNoOtherRequest() throws Exception {
        try (StreamClient client = new StreamClient("/gatehouse/events/stream?sas=" + sas(token("service")))) {
            client.next("event: ready");

            client.get("/gatehouse/events/stream?sas=" + sas(token("service")));

            assertThat(client.closedByServer.await(10, TimeUnit.SECONDS)).as("closed by the server").isTrue();
            assertThat(client.lines).as("no second response after the stream's").noneMatch(line -> line.startsWith("HTTP/1.1"));
        }
    }

    @Test
    void refusedWithoutAValidTokenWithTheRightOrForAnUnknownDevice() throws Exception {
        assertThat(statusOf("/gatehouse/events/stream")).isEqualTo("HTTP/1.1 401 Unauthorized");
        assertThat(statusOf("/gatehouse/events/stream?sas=" + sas(token("registryRead")))).isEqualTo("HTTP/1.1 401 Unauthorized");
        String forged = token("service").replaceFirst("sig=[^&]+", "sig=AAAA");
        assertThat(statusOf("/gatehouse/events/stream?sas=" + sas(forged))).isEqualTo("HTTP/1.1 401 Unauthorized");
        assertThat(statusOf("/gatehouse/events/stream?deviceId=nobody&sas=" + sas(token("service"))))
                .isEqualTo("HTTP/1.1 404 Not Found");
        assertThat(statusOf("/gatehouse/events/stream?deviceId=a%20b&sas=" + sas(token("service"))))
                .isEqualTo("HTTP/1.1 400 Bad Request");
    }

    private static String statusOf(String uri) throws Exception {
        try (StreamClient client = new StreamClient(uri)) {
            return client.next("HTTP/1.1");
        }
    }
}
