package io.gatehouse.http.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.http.RestHandler;
import io.gatehouse.http.Router;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's static files and small routes through the REST handler on an embedded channel: content types,
 * caching, security headers, nothing outside the console's directory, data only with a token.
 */
class ConsoleRoutesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    private static final ConnectionDetails DETAILS = new ConnectionDetails("hub.example.test",
            () -> Map.of("https", 8443, "mqtt", 8883), PEM);

    private static GatewayCore core;
    private static Router router;
    private static Router probes;

    @BeforeAll
    static void start() {
        core = GatewayCore.builder().store(new InMemoryStore(4)).shards(1).start();
        router = new Router();
        new ConsoleRoutes().register(router);
        new ConnectionInfoRoutes(core, DETAILS).register(router);
        probes = new Router();
        new ConsoleRedirect(DETAILS).register(probes);
    }

    @AfterAll
    static void stop() {
        core.close();
    }

    private static FullHttpResponse get(Router routes, String uri, String... headers) {
        EmbeddedChannel channel = new EmbeddedChannel(new RestHandler(routes, core.authenticator()));
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        for (int i = 0; i < headers.length; i += 2) {
            request.headers().set(headers[i], headers[i + 1]);
        }
        channel.writeInbound(request);
        channel.runPendingTasks();
        FullHttpResponse response = channel.readOutbound();
        assertThat(response).as("a response to " + uri).isNotNull();
        channel.finishAndReleaseAll();
        return response;
    }

    private static String body(FullHttpResponse response) {
        return response.content().toString(StandardCharsets.UTF_8);
    }

    private static String ownerToken() {
        String key = core.policies().get("iothubowner").orElseThrow().keys().primaryKey();
        return SasTokens.serviceToken("hub.example.test", "iothubowner", key, Instant.now().plusSeconds(600));
    }

    @Test
    void theIndexIsServedForTheConsoleWithAndWithoutTheSlash() {
        for (String uri : new String[] {"/console", "/console/", "/console/index.html"}) {
            FullHttpResponse response = get(router, uri);
            assertThat(response.status().code()).isEqualTo(200);
            assertThat(response.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("text/html; charset=utf-8");
            assertThat(body(response)).contains("<script type=\"module\" src=\"/console/app.js\">");
        }
    }

    @Test
    void filesHaveTheirContentTypeRevalidationAndSecurityHeaders() {
        Map<String, String> types = Map.of(
                "/console/app.js", "text/javascript; charset=utf-8",
                "/console/console.css", "text/css; charset=utf-8",
                "/console/favicon.svg", "image/svg+xml");
        types.forEach((uri, type) -> {
            FullHttpResponse response = get(router, uri);
            assertThat(response.status().code()).as(uri).isEqualTo(200);
            assertThat(response.headers().get(HttpHeaderNames.CONTENT_TYPE)).as(uri).isEqualTo(type);
            assertThat(response.headers().get(HttpHeaderNames.CACHE_CONTROL)).isEqualTo("no-cache");
            assertThat(response.headers().get(HttpHeaderNames.ETAG)).matches("\"[0-9a-f]{24}\"");
            assertThat(response.headers().get("Content-Security-Policy")).contains("default-src 'self'", "frame-ancestors 'none'");
            assertThat(response.headers().get("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(response.content().readableBytes()).isPositive();
        });
    }

    @Test
    void everyFileThePagesReferToIsServed() {
        Set<String> referenced = new TreeSet<>();
        Matcher inIndex = Pattern.compile("(?:href|src)=\"(/console/[^\"]+)\"").matcher(body(get(router, "/console/")));
        while (inIndex.find()) {
            referenced.add(inIndex.group(1));
        }
        for (String module : Set.copyOf(referenced)) {
            if (module.endsWith(".js")) {
                Matcher imports = Pattern.compile("from '\\./([a-z-]+\\.js)'").matcher(body(get(router, module)));
                while (imports.find()) {
                    referenced.add("/console/" + imports.group(1));
                }
            }
        }
        assertThat(referenced).contains("/console/app.js", "/console/sas.js", "/console/console.css");
        referenced.forEach(uri -> assertThat(get(router, uri).status().code()).as(uri).isEqualTo(200));
    }

    @Test
    void anUnchangedFileIsNotSentAgain() {
        String etag = get(router, "/console/app.js").headers().get(HttpHeaderNames.ETAG);

        FullHttpResponse again = get(router, "/console/app.js", "If-None-Match", etag);
        assertThat(again.status().code()).isEqualTo(304);
        assertThat(again.content().readableBytes()).isZero();
        assertThat(again.headers().get(HttpHeaderNames.ETAG)).isEqualTo(etag);

        assertThat(get(router, "/console/app.js", "If-None-Match", "\"other\"").status().code()).isEqualTo(200);
    }

    @Test
    void nothingBesideTheConsoleFilesIsReachable() {
        for (String uri : new String[] {"/console/missing.js", "/console/..%2Flogback.xml", "/console/%2e%2e%2fconsole%2fapp.js",
                "/console/..", "/console/app.class", "/console/APP.JS", "/console/js/app.js"}) {
            assertThat(get(router, uri).status().code()).as(uri).isEqualTo(404);
        }
    }

    @Test
    void connectionInfoNeedsATokenAndNamesItsPolicyButNoKey() throws Exception {
        assertThat(get(router, "/gatehouse/connection-info").status().code()).isEqualTo(401);

        FullHttpResponse response = get(router, "/gatehouse/connection-info", "Authorization", ownerToken());
        assertThat(response.status().code()).isEqualTo(200);
        JsonNode info = JSON.readTree(body(response));
        assertThat(info.get("hostName").asText()).isEqualTo("hub.example.test");
        assertThat(info.get("policyName").asText()).isEqualTo("iothubowner");
        assertThat(info.at("/ports/mqtt").asInt()).isEqualTo(8883);
        assertThat(info.get("serviceConnectionString").asText())
                .isEqualTo("HostName=hub.example.test;SharedAccessKeyName=iothubowner;SharedAccessKey={SharedAccessKey}");
        assertThat(info.get("eventHubConnectionString").asText()).isEqualTo("Endpoint=sb://hub.example.test/;"
                + "SharedAccessKeyName=iothubowner;SharedAccessKey={SharedAccessKey};EntityPath=" + core.settings().hubName());
        String ownerKey = core.policies().get("iothubowner").orElseThrow().keys().primaryKey();
        assertThat(body(response)).doesNotContain(ownerKey);
    }

    @Test
    void theCaCertificateIsPublic() {
        FullHttpResponse response = get(router, "/gatehouse/ca.pem");
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(body(response)).isEqualTo(PEM);
        assertThat(response.headers().get(HttpHeaderNames.CONTENT_DISPOSITION)).contains("gatehouse-ca.pem");
    }

    @Test
    void theHealthPortSendsBrowsersToTheConsoleOnHttpsAtTheHostTheyUsed() {
        FullHttpResponse byName = get(probes, "/console", "Host", "gateway.lan:8080");
        assertThat(byName.status().code()).isEqualTo(302);
        assertThat(byName.headers().get(HttpHeaderNames.LOCATION)).isEqualTo("https://gateway.lan:8443/console/");

        assertThat(get(probes, "/console/", "Host", "[::1]:8080").headers().get(HttpHeaderNames.LOCATION))
                .isEqualTo("https://[::1]:8443/console/");
        assertThat(get(probes, "/console").headers().get(HttpHeaderNames.LOCATION))
                .isEqualTo("https://hub.example.test:8443/console/");
    }
}
