package io.gatehouse.http;

import io.gatehouse.core.auth.Principal;
import io.gatehouse.core.auth.Principal.DevicePrincipal;
import io.gatehouse.core.model.DeviceId;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Map;

/**
 * A parsed HTTP request as a route sees it: path parameters by name, query parameters, headers, body, and who
 * the Authorization header speaks for (null on open routes).
 */
public record RestRequest(
        HttpMethod method,
        String path,
        Map<String, String> pathParameters,
        Map<String, List<String>> query,
        HttpHeaders headers,
        byte[] body,
        Principal principal) {

    /** The authenticated device of a device route ({@link RouteAccess.PathDevice}). */
    public DevicePrincipal device() {
        if (principal instanceof DevicePrincipal device) {
            return device;
        }
        throw new IllegalStateException("not a device route");
    }

    public String pathParameter(String name) {
        return pathParameters.get(name);
    }

    /** The first value of a query parameter, or {@code fallback}. */
    public String query(String name, String fallback) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? fallback : values.get(0);
    }

    /** An integer query parameter from {@code min} to {@code max}, or {@code fallback}; 400 otherwise. */
    public int intQuery(String name, int fallback, int min, int max) {
        String text = query(name, null);
        return text == null ? fallback : boundedInt(text, name, min, max);
    }

    /** A non-negative long query parameter, or {@code fallback}; 400 otherwise. */
    public long longQuery(String name, long fallback) {
        String text = query(name, null);
        if (text == null) {
            return fallback;
        }
        try {
            long value = Long.parseLong(text);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw RestException.badRequest(name + " must be a non-negative integer");
    }

    /** An integer path parameter from {@code min} to {@code max}; 400 otherwise. */
    public int intPathParameter(String name, int min, int max) {
        return boundedInt(pathParameter(name), name, min, max);
    }

    private static int boundedInt(String text, String name, int min, int max) {
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw RestException.badRequest(name + " must be an integer from " + min + " to " + max);
    }

    /** The {@code {id}} path parameter as a device id; 400 when it is not one. */
    public DeviceId deviceId() {
        String id = pathParameter("id");
        if (!DeviceId.isValid(id)) {
            throw RestException.badRequest("'" + id + "' is not a valid device id");
        }
        return DeviceId.of(id);
    }

    public String header(String name) {
        return headers.get(name);
    }
}
