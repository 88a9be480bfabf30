package io.gatehouse.core.model;

/**
 * Why an operation was refused. Adapters map each to their protocol's error (CONNACK code, AMQP
 * condition, HTTP status); the names follow IoT Hub's error codes where one exists.
 */
public enum ErrorCode {
    DEVICE_NOT_FOUND("DeviceNotFound", 404),
    DEVICE_ALREADY_EXISTS("DeviceAlreadyExists", 409),
    MODULE_NOT_FOUND("ModuleNotFound", 404),
    MODULE_ALREADY_EXISTS("ModuleAlreadyExistsOnDevice", 409),
    QUEUE_FULL("IotHubDeviceMaximumQueueDepthExceeded", 403),
    MESSAGE_TOO_LARGE("MessageTooLarge", 413),
    LOCK_LOST("DeviceMessageLockLost", 412),
    PRECONDITION_FAILED("PreconditionFailed", 412),
    INVALID_ARGUMENT("ArgumentInvalid", 400),
    UNAUTHORIZED("IotHubUnauthorizedAccess", 401),
    DEVICE_NOT_ONLINE("DeviceNotOnline", 404),
    GATEWAY_TIMEOUT("GatewayTimeout", 504),
    STORE_FAILURE("ServerError", 500),
    /** The store cannot be reached for now (a cluster's Kafka or PostgreSQL): try again later. */
    SERVER_BUSY("ServerBusy", 503),
    SHUTTING_DOWN("ServiceUnavailable", 503);

    private final String iotHubName;
    private final int status;

    ErrorCode(String iotHubName, int status) {
        this.iotHubName = iotHubName;
        this.status = status;
    }

    /**
     * The HTTP status IoT Hub answers this error with; its twin operations over MQTT and AMQP use the same numbers
     * as their status.
     */
    public int status() {
        return status;
    }

    /** The status of a failed operation: its error's, or 500 for anything that is not a refusal. */
    public static int statusOf(Throwable failure) {
        GatewayException refusal = GatewayException.unwrap(failure);
        return refusal == null ? 500 : refusal.code().status();
    }

    /** IoT Hub's name for this error, as it appears in {@code ErrorCode:...} texts. */
    public String iotHubName() {
        return iotHubName;
    }
}
