package io.gatehouse.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.registry.AccessPolicy;
import io.gatehouse.core.testing.ManualStore;
import io.gatehouse.http.console.ConnectionDetails;
import io.gatehouse.tls.DevelopmentPki;
import io.gatehouse.transport.Listener;
import io.gatehouse.transport.NettyTransport;
import io.gatehouse.transport.ProtocolEndpoint;
import io.gatehouse.transport.ProtocolEndpoint.Port;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A core with the REST endpoint on an ephemeral HTTPS port, and a client that trusts it. */
final class RestFixture implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    final GatewayCore core;
    /** The core's store: tells the truth like an in-memory store until a test makes it unavailable. */
    final ManualStore store = new ManualStore(4);
    private final NettyTransport transport;
    private final Listener listener;
    private final HttpClient http;
    private final ScheduledExecutorService timers;

    RestFixture(Path tempDir) throws Exception {
        this(tempDir, "");
    }

    /** {@code metricsScrape}: what {@code /metrics} serves. */
    RestFixture(Path tempDir, String metricsScrape) throws Exception {
        core = GatewayCore.builder().store(store).shards(2).start();
        DevelopmentPki pki = DevelopmentPki.loadOrCreate(tempDir, List.of("hub.gatehouse.test"));
        timers = Executors.newSingleThreadScheduledExecutor();
        Port https = Port.tls("https", 0);
        ProtocolEndpoint endpoint = HttpEndpoint.create(core, SslContextBuilder.forServer(pki.serverKey(), pki.serverChain()).build(),
                List.of(https), () -> metricsScrape, timers,
                new ConnectionDetails("localhost", this::ports, "PEM"));
        transport = NettyTransport.create(1);
        listener = Listener.bind("https", transport, "127.0.0.1", 0, endpoint.initializer(https));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(pki.trustStore());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private Map<String, Integer> ports() {
        return Map.of("https", listener.port());
    }

    String token(String policy) {
        AccessPolicy p = core.policies().get(policy).orElseThrow();
        return SasTokens.serviceToken("localhost", policy, p.keys().primaryKey(), Instant.now().plusSeconds(3600));
    }

    /** Sends a request with the owner policy's token; {@code headers} are name, value pairs. */
    HttpResponse<String> call(String method, String path, String body, String... headers) throws Exception {
        return callWithToken(method, path, token("iothubowner"), body, headers);
    }

    /** Sends a request with {@code token} as its Authorization (none when null). */
    HttpResponse<String> callWithToken(String method, String path, String token, String body, String... headers) throws Exception {
        return http.send(request(method, path, token, body, headers), HttpResponse.BodyHandlers.ofString());
    }

    /** {@link #callWithToken}, without waiting for the response. */
    CompletableFuture<HttpResponse<String>> sendWithToken(String method, String path, String token, String body,
                                                          String... headers) {
        return http.sendAsync(request(method, path, token, body, headers), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String method, String path, String token, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://localhost:" + listener.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.build();
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Override
    public void close() {
        listener.stopAccepting();
        transport.close();
        core.close();
        timers.shutdownNow();
    }
}
