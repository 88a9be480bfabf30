package io.gatehouse.http;

import io.gatehouse.core.registry.AccessRight;
import io.netty.handler.codec.http.HttpMethod;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps method and path to a handler. Templates name path segments in braces ({@code /devices/{id}}); each
 * segment is URL-decoded after matching, so device ids with reserved characters work when encoded.
 */
public final class Router {

    /**
     * A route and who may call it. It has either a {@code handler} (one response) or a {@code stream}
     * (server-sent events).
     */
    public record Route(HttpMethod method, Pattern pattern, List<String> names, RouteAccess access, RouteHandler handler,
                        EventStreamHandler stream) {

        /**
         * Event streams also take the token from the {@code sas} query parameter: a browser's EventSource cannot
         * set an Authorization header. Only they do, so no other route invites tokens into URLs.
         */
        public boolean tokenInQuery() {
            return stream != null;
        }
    }

    /** A matched route with its decoded path parameters. */
    public record Match(Route route, Map<String, String> parameters) {
    }

    private static final Pattern PARAMETER = Pattern.compile("\\{([a-zA-Z]+)}");

    private final List<Route> routes = new ArrayList<>();

    /** A route for services holding {@code right}; null means no authentication (health, metrics). */
    public Router add(HttpMethod method, String template, AccessRight right, RouteHandler handler) {
        return route(method, template, RouteAccess.of(right), handler);
    }

    /** A GET answered with server-sent events (see {@link EventStreamHandler}). */
    public Router addEventStream(String template, AccessRight right, EventStreamHandler stream) {
        return add(HttpMethod.GET, template, RouteAccess.of(right), null, stream);
    }

    /** A route with any kind of access (e.g. the device API's device tokens). */
    public Router route(HttpMethod method, String template, RouteAccess access, RouteHandler handler) {
        return add(method, template, access, handler, null);
    }

    private Router add(HttpMethod method, String template, RouteAccess access, RouteHandler handler,
                       EventStreamHandler stream) {
        List<String> names = new ArrayList<>();
        Matcher m = PARAMETER.matcher(template);
        StringBuilder regex = new StringBuilder();
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(template.substring(last, m.start()))).append("([^/]+)");
            names.add(m.group(1));
            last = m.end();
        }
        regex.append(Pattern.quote(template.substring(last)));
        routes.add(new Route(method, Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE), names, access, handler, stream));
        return this;
    }

    /**
     * The route for a request, or a {@link RestException}: 404 when no path matches, 405 when the path
     * matches but not the method.
     */
    public Match match(HttpMethod method, String path) {
        boolean pathMatched = false;
        for (Route route : routes) {
            Matcher m = route.pattern().matcher(path);
            if (!m.matches()) {
                continue;
            }
            pathMatched = true;
            if (!route.method().equals(method)) {
                continue;
            }
            Map<String, String> parameters = new LinkedHashMap<>();
            for (int i = 0; i < route.names().size(); i++) {
                parameters.put(route.names().get(i), decode(m.group(i + 1)));
            }
            return new Match(route, parameters);
        }
        if (pathMatched) {
            throw new RestException(405, "MethodNotAllowed", method + " is not allowed on " + path);
        }
        throw new RestException(404, "NotFound", "no resource at " + path);
    }

    private static String decode(String segment) {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw RestException.badRequest("path segment '" + segment + "' is not valid URL encoding");
        }
    }
}
