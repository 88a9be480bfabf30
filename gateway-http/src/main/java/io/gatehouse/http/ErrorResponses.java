package io.gatehouse.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import java.time.Instant;
import java.util.UUID;

/**
 * Errors in IoT Hub's shape (docs/protocols.md#registry-rest): {@code {"Message":"ErrorCode:DeviceNotFound;...","ExceptionMessage":"..."}},
 * which the service SDKs parse to choose their exception.
 */
public final class ErrorResponses {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorResponses() {
    }

    public static RestResponse of(RestException e) {
        return body(e.status(), e.errorCode(), e.getMessage());
    }

    static RestResponse of(GatewayException e) {
        return switch (e.code()) {
            case DEVICE_NOT_ONLINE -> numbered(404, 404103, e.getMessage());
            case GATEWAY_TIMEOUT -> numbered(504, 504101, e.getMessage());
            default -> body(statusOf(e.code()), e.code().iotHubName(), e.getMessage());
        };
    }

    /**
     * IoT Hub's shape for errors with a six-digit code (direct methods): the message is itself JSON with
     * {@code errorCode}, which the service SDKs read to name the error (404103 is DeviceNotOnline).
     */
    static RestResponse numbered(int status, int errorCode, String message) {
        ObjectNode inner = JSON.createObjectNode();
        inner.put("errorCode", errorCode);
        inner.put("trackingId", UUID.randomUUID().toString().replace("-", ""));
        inner.put("message", message);
        inner.put("timestampUtc", Instant.now().toString());
        ObjectNode node = JSON.createObjectNode();
        node.put("Message", inner.toString());
        node.put("ExceptionMessage", "");
        return RestResponse.json(status, node.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static RestResponse body(int status, String errorCode, String message) {
        ObjectNode node = JSON.createObjectNode();
        node.put("Message", "ErrorCode:" + errorCode + ";" + message);
        node.put("ExceptionMessage", "Tracking ID:" + UUID.randomUUID().toString().replace("-", "")
                + "-TimeStamp:" + Instant.now());
        return RestResponse.json(status, node.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static int statusOf(ErrorCode code) {
        return code.status();
    }
}
