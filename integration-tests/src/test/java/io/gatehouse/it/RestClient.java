package io.gatehouse.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.core.auth.SasTokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import javax.net.ssl.SSLContext;

/** Calls a hub's REST API over HTTPS, trusting its CA and signing with its owner policy. */
final class RestClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String base;
    private final String token;

    RestClient(GatewayProcess gateway) throws Exception {
        this(HubEndpoint.of(gateway));
    }

    RestClient(HubEndpoint hub) throws Exception {
        SSLContext ssl = DevelopmentCaTrust.sslContext(hub.caCertificate());
        http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
        base = "https://localhost:" + hub.httpsPort();
        Map<String, String> cs = GatewayProcess.parts(hub.serviceConnectionString());
        token = SasTokens.serviceToken(cs.get("HostName"), cs.get("SharedAccessKeyName"), cs.get("SharedAccessKey"),
                Instant.now().plusSeconds(3600));
    }

    HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        return http.send(request(method, path, body).header("Authorization", token).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(String method, String path, String body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = request(method, path, body).header("Authorization", token);
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> sendWithoutToken(String method, String path) throws IOException, InterruptedException {
        return http.send(request(method, path, null).build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode json(String method, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = send(method, path, body);
        if (response.statusCode() / 100 != 2) {
            throw new AssertionError(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private HttpRequest.Builder request(String method, String path, String body) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    }
}
