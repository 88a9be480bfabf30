package io.gatehouse.http;

/** A request refused with an HTTP status and IoT Hub's error code name. */
public final class RestException extends RuntimeException {

    private final int status;
    private final String errorCode;

    public RestException(int status, String errorCode, String message) {
        super(message, null, false, false);
        this.status = status;
        this.errorCode = errorCode;
    }

    public static RestException badRequest(String message) {
        return new RestException(400, "ArgumentInvalid", message);
    }

    public int status() {
        return status;
    }

    public String errorCode() {
        return errorCode;
    }
}
