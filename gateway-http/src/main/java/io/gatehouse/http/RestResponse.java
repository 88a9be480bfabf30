package io.gatehouse.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What a route answers: a status, extra headers and a body with its content type. */
public record RestResponse(int status, Map<String, String> headers, String contentType, byte[] body) {

    public static final String JSON = "application/json; charset=utf-8";

    public static RestResponse json(int status, byte[] body) {
        return new RestResponse(status, Map.of(), JSON, body);
    }

    public static RestResponse json(int status, byte[] body, Map<String, String> headers) {
        return new RestResponse(status, headers, JSON, body);
    }

    public static RestResponse text(int status, String contentType, String body) {
        return new RestResponse(status, Map.of(), contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    public static RestResponse noContent() {
        return new RestResponse(204, Map.of(), null, new byte[0]);
    }
}
