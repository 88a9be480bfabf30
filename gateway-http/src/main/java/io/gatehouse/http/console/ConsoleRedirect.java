package io.gatehouse.http.console;

import io.gatehouse.http.RestRequest;
import io.gatehouse.http.RestResponse;
import io.gatehouse.http.Router;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * On the plain health port: {@code /console} answers 302 to the console on the HTTPS port, at the host the
 * browser used, so whoever finds the health port finds the console while tokens only ever travel encrypted.
 */
public final class ConsoleRedirect {

    private final ConnectionDetails details;

    public ConsoleRedirect(ConnectionDetails details) {
        this.details = details;
    }

    public void register(Router router) {
        router.add(HttpMethod.GET, "/console", null, this::redirect)
                .add(HttpMethod.GET, "/console/", null, this::redirect);
    }

    private CompletableFuture<RestResponse> redirect(RestRequest request) {
        String location = "https://" + hostOf(request.header(HttpHeaderNames.HOST.toString())) + ":"
                + details.httpsPort() + "/console/";
        return CompletableFuture.completedFuture(new RestResponse(302,
                Map.of(HttpHeaderNames.LOCATION.toString(), location), null, new byte[0]));
    }

    /** The host of a Host header without its port ({@code [::1]:8080} → {@code [::1]}), or the configured host. */
    private String hostOf(String hostHeader) {
        if (hostHeader == null || hostHeader.isBlank()) {
            return details.hostName();
        }
        String host = hostHeader.trim();
        int colon = host.lastIndexOf(':');
        if (colon > host.lastIndexOf(']')) {
            host = host.substring(0, colon);
        }
        return host;
    }
}
