package io.gatehouse.http.console;

import io.gatehouse.http.RestException;
import io.gatehouse.http.RestRequest;
import io.gatehouse.http.RestResponse;
import io.gatehouse.http.Router;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The console's static files, from the class path under {@code /console/}, for anyone: they hold no data. Every
 * piece of data the pages show comes from the token-protected REST routes. Files are revalidated on each use
 * ({@code no-cache} with an entity tag, so an upgraded gateway never serves a stale page), and the headers
 * keep the page from running anything but its own scripts or being framed.
 */
public final class ConsoleRoutes {

    /** One flat directory: no separators and no "..", so nothing beside the console's files is reachable. */
    private static final Pattern FILE_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*\\.[a-z]+");
    private static final String INDEX = "index.html";
    static final Map<String, String> SECURITY_HEADERS = Map.of(
            "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none';"
                    + " form-action 'self'; frame-ancestors 'none'",
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Referrer-Policy", "no-referrer");

    /** Files read so far; only files that exist, so requests for made-up names cannot grow it. */
    private final Map<String, StaticResource> files = new ConcurrentHashMap<>();

    public void register(Router router) {
        router.add(HttpMethod.GET, "/console", null, request -> serve(INDEX, request))
                .add(HttpMethod.GET, "/console/", null, request -> serve(INDEX, request))
                .add(HttpMethod.GET, "/console/{file}", null, request -> serve(request.pathParameter("file"), request));
    }

    private StaticResource file(String name) {
        StaticResource cached = files.get(name);
        if (cached != null) {
            return cached;
        }
        Optional<StaticResource> loaded = StaticResource.load(name);
        loaded.ifPresent(file -> files.putIfAbsent(name, file));
        return loaded.orElse(null);
    }

    private CompletableFuture<RestResponse> serve(String name, RestRequest request) {
        StaticResource file = FILE_NAME.matcher(name).matches() ? file(name) : null;
        if (file == null) {
            throw new RestException(404, "NotFound", "no console file " + name);
        }
        Map<String, String> headers = new HashMap<>(SECURITY_HEADERS);
        headers.put(HttpHeaderNames.CACHE_CONTROL.toString(), "no-cache");
        headers.put(HttpHeaderNames.ETAG.toString(), file.etag());
        if (file.etag().equals(request.header(HttpHeaderNames.IF_NONE_MATCH.toString()))) {
            return CompletableFuture.completedFuture(new RestResponse(304, headers, null, new byte[0]));
        }
        return CompletableFuture.completedFuture(new RestResponse(200, headers, file.contentType(), file.content()));
    }
}
