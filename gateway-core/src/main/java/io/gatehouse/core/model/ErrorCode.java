package io.gatehouse.core.model;

/**
 * Why an operation was refused. Adapters map each to their protocol's error (CONNACK code, AMQP
 * condition, HTTP status); the names follow IoT Hub's error codes where one exists.
 */
public enum ErrorCode {
    DEVICE_NOT_FOUND("DeviceNotFound"),
    DEVICE_ALREADY_EXISTS("DeviceAlreadyExists"),
    QUEUE_FULL("IotHubDeviceMaximumQueueDepthExceeded"),
    MESSAGE_TOO_LARGE("MessageTooLarge"),
    LOCK_LOST("DeviceMessageLockLost"),
    PRECONDITION_FAILED("PreconditionFailed"),
    INVALID_ARGUMENT("ArgumentInvalid"),
    UNAUTHORIZED("IotHubUnauthorizedAccess"),
    DEVICE_NOT_ONLINE("DeviceNotOnline"),
    GATEWAY_TIMEOUT("GatewayTimeout"),
    STORE_FAILURE("ServerError"),
    SHUTTING_DOWN("ServiceUnavailable");

    private final String iotHubName;

    ErrorCode(String iotHubName) {
        this.iotHubName = iotHubName;
    }

    /** IoT Hub's name for this error, as it appears in {@code ErrorCode:...} texts. */
    public String iotHubName() {
        return iotHubName;
    }
}
