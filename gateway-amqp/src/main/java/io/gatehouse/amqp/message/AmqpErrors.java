package io.gatehouse.amqp.message;

import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.messaging.Rejected;
import org.apache.qpid.proton.amqp.transport.ErrorCondition;

/** The AMQP error conditions the gateway uses, and how core errors map to them. */
public final class AmqpErrors {

    public static final Symbol NOT_FOUND = Symbol.valueOf("amqp:not-found");
    public static final Symbol UNAUTHORIZED_ACCESS = Symbol.valueOf("amqp:unauthorized-access");
    public static final Symbol RESOURCE_LIMIT_EXCEEDED = Symbol.valueOf("amqp:resource-limit-exceeded");
    public static final Symbol MESSAGE_SIZE_EXCEEDED = Symbol.valueOf("amqp:link:message-size-exceeded");
    public static final Symbol DECODE_ERROR = Symbol.valueOf("amqp:decode-error");
    public static final Symbol INVALID_FIELD = Symbol.valueOf("amqp:invalid-field");
    public static final Symbol NOT_ALLOWED = Symbol.valueOf("amqp:not-allowed");
    public static final Symbol NOT_IMPLEMENTED = Symbol.valueOf("amqp:not-implemented");
    public static final Symbol INTERNAL_ERROR = Symbol.valueOf("amqp:internal-error");
    public static final Symbol DETACH_FORCED = Symbol.valueOf("amqp:link:detach-forced");
    /** Azure's "try again later": the SDKs retry it (their ServerBusy). */
    public static final Symbol SERVER_BUSY = Symbol.valueOf("com.microsoft:server-busy");
    public static final Symbol CONNECTION_FORCED = Symbol.valueOf("amqp:connection:forced");

    private AmqpErrors() {
    }

    public static ErrorCondition condition(Symbol symbol, String description) {
        return new ErrorCondition(symbol, description);
    }

    /** A rejected outcome that always carries a condition (the service SDK dereferences it). */
    public static Rejected rejected(ErrorCondition condition) {
        Rejected rejected = new Rejected();
        rejected.setError(condition);
        return rejected;
    }

    /**
     * The condition for a failed core operation. IoT Hub's error name leads the description (the service SDK shows
     * the description; IoT Hub's own reads e.g. {@code IotHubDeviceMaximumQueueDepthExceeded}).
     */
    public static ErrorCondition fromFailure(Throwable failure) {
        GatewayException g = GatewayException.unwrap(failure);
        if (g == null) {
            return condition(INTERNAL_ERROR, "internal error");
        }
        return condition(symbolFor(g.code()), g.code().iotHubName() + ": " + g.getMessage());
    }

    /** A failure in one line, for logs. */
    public static String describe(Throwable failure) {
        GatewayException g = GatewayException.unwrap(failure);
        return g != null ? g.code().iotHubName() + ": " + g.getMessage() : failure.toString();
    }

    static Symbol symbolFor(ErrorCode code) {
        return switch (code) {
            case DEVICE_NOT_FOUND, MODULE_NOT_FOUND, DEVICE_NOT_ONLINE -> NOT_FOUND;
            case QUEUE_FULL -> RESOURCE_LIMIT_EXCEEDED;
            case MESSAGE_TOO_LARGE -> MESSAGE_SIZE_EXCEEDED;
            case UNAUTHORIZED -> UNAUTHORIZED_ACCESS;
            case INVALID_ARGUMENT -> INVALID_FIELD;
            case LOCK_LOST, PRECONDITION_FAILED -> Symbol.valueOf("amqp:precondition-failed");
            case DEVICE_ALREADY_EXISTS, MODULE_ALREADY_EXISTS -> NOT_ALLOWED;
            case STORE_FAILURE, SHUTTING_DOWN, GATEWAY_TIMEOUT -> INTERNAL_ERROR;
            case SERVER_BUSY -> SERVER_BUSY;
        };
    }
}
