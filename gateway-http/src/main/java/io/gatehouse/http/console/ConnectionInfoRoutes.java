package io.gatehouse.http.console;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.auth.SasToken;
import io.gatehouse.core.registry.AccessRight;
import io.gatehouse.http.RestRequest;
import io.gatehouse.http.RestResponse;
import io.gatehouse.http.Router;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What clients need to connect, for the console's connection page: {@code GET /gatehouse/connection-info}
 * (RegistryRead) and the CA certificate {@code GET /gatehouse/ca.pem} (public: it is what clients trust).
 *
 * <p>The connection strings name the caller's policy but hold {@link #KEY_PLACEHOLDER} where the key goes: the
 * server never hands out a policy key, and the browser, which had the key only to sign its token, fills it in
 * when the user types it again.
 */
public final class ConnectionInfoRoutes {

    public static final String KEY_PLACEHOLDER = "{SharedAccessKey}";

    private final GatewayCore core;
    private final ConnectionDetails details;

    public ConnectionInfoRoutes(GatewayCore core, ConnectionDetails details) {
        this.core = core;
        this.details = details;
    }

    public void register(Router router) {
        router.add(HttpMethod.GET, "/gatehouse/connection-info", AccessRight.REGISTRY_READ, this::connectionInfo)
                .add(HttpMethod.GET, "/gatehouse/ca.pem", null, this::caCertificate);
    }

    private CompletableFuture<RestResponse> connectionInfo(RestRequest request) {
        String host = details.hostName();
        String policy = SasToken.parse(request.header(HttpHeaderNames.AUTHORIZATION.toString()).trim()).keyName();
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("hostName", host);
        node.put("hubName", core.settings().hubName());
        node.put("policyName", policy);
        ObjectNode ports = node.putObject("ports");
        details.boundPorts().get().forEach(ports::put);
        node.put("serviceConnectionString", "HostName=" + host + ";SharedAccessKeyName=" + policy
                + ";SharedAccessKey=" + KEY_PLACEHOLDER);
        node.put("eventHubConnectionString", "Endpoint=sb://" + host + "/;SharedAccessKeyName=" + policy
                + ";SharedAccessKey=" + KEY_PLACEHOLDER + ";EntityPath=" + core.settings().hubName());
        node.put("keyPlaceholder", KEY_PLACEHOLDER);
        node.put("caCertificate", "/gatehouse/ca.pem");
        return CompletableFuture.completedFuture(RestResponse.json(200, node.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private CompletableFuture<RestResponse> caCertificate(RestRequest request) {
        return CompletableFuture.completedFuture(new RestResponse(200,
                Map.of(HttpHeaderNames.CONTENT_DISPOSITION.toString(), "attachment; filename=\"gatehouse-ca.pem\""),
                "application/x-pem-file", details.trustPem().getBytes(StandardCharsets.US_ASCII)));
    }
}
