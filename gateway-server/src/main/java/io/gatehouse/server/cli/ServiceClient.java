package io.gatehouse.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.tls.PemFiles;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A small REST client of a running gateway, for the CLI. Trusts only the given CA. */
final class ServiceClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final ServiceConnection.Resolved target;
    private final HttpClient http;

    ServiceClient(ServiceConnection.Resolved target) throws IOException {
        this.target = target;
        this.http = HttpClient.newBuilder().sslContext(trusting(target.ca())).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Sends a request; a non-2xx answer becomes an IOException with the gateway's error message. */
    HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target.url() + path))
                .timeout(Duration.ofSeconds(90))
                .header("Authorization", target.token())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (IOException e) {
            throw new IOException("cannot reach the gateway at " + target.url() + ": " + e.getMessage(), e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException("the gateway refused (" + response.statusCode() + "): " + errorMessage(response.body()));
        }
        return response;
    }

    JsonNode json(String method, String path, byte[] body, String... headers) throws IOException {
        byte[] bytes = send(method, path, body, headers).body();
        return bytes.length == 0 ? null : JSON.readTree(bytes);
    }

    String hostName() {
        return target.hostName();
    }

    static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String errorMessage(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            String message = node.path("Message").asText(new String(body, StandardCharsets.UTF_8));
            if (message.startsWith("{")) {
                // IoT Hub's numbered errors (direct methods) nest a JSON object with the code and the message
                JsonNode inner = JSON.readTree(message);
                return inner.path("message").asText(message) + " (" + inner.path("errorCode").asText() + ")";
            }
            int semicolon = message.indexOf(';');
            return message.startsWith("ErrorCode:") && semicolon > 0 ? message.substring(semicolon + 1) : message;
        } catch (IOException e) {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static SSLContext trusting(java.nio.file.Path caFile) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (X509Certificate certificate : PemFiles.readCertificates(caFile)) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust " + caFile + ": " + e.getMessage(), e);
        }
    }
}
