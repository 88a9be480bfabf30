package io.gatehouse.server.rest;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Map;

/** A parsed HTTP request as a route sees it: path parameters by name, query parameters, headers, body. */
public record RestRequest(
        HttpMethod method,
        String path,
        Map<String, String> pathParameters,
        Map<String, List<String>> query,
        HttpHeaders headers,
        byte[] body) {

    public String pathParameter(String name) {
        return pathParameters.get(name);
    }

    /** The first value of a query parameter, or {@code fallback}. */
    public String query(String name, String fallback) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? fallback : values.get(0);
    }

    public String header(String name) {
        return headers.get(name);
    }
}
