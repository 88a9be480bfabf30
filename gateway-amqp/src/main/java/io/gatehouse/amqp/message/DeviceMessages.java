package io.gatehouse.amqp.message;

import io.gatehouse.core.methods.MethodRequest;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.twin.DesiredPatch;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.qpid.proton.Proton;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.MessageAnnotations;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.message.Message;

/**
 * The twin and direct-method messages of IoT Hub's AMQP device API, as the Java device SDK's link handlers read and
 * write them: twin requests name their {@code operation} and {@code resource} in message annotations and are
 * answered with the request's correlation id and a {@code status} (and {@code version}) annotation; desired patches
 * carry {@code resource = /properties/desired} and {@code version}; method requests carry the request id as a UUID
 * correlation id and the name in the {@code IoThub-methodname} application property, and answers come back with
 * that correlation id and an {@code IoThub-status} application property.
 */
public final class DeviceMessages {

    public static final String GET = "GET";
    public static final String PATCH = "PATCH";
    public static final String PUT = "PUT";
    public static final String DELETE = "DELETE";
    public static final String REPORTED = "/properties/reported";
    public static final String DESIRED_NOTIFICATIONS = "/notifications/twin/properties/desired";

    private static final Symbol OPERATION = Symbol.valueOf("operation");
    private static final Symbol RESOURCE = Symbol.valueOf("resource");
    private static final Symbol STATUS = Symbol.valueOf("status");
    private static final Symbol VERSION = Symbol.valueOf("version");
    private static final String METHOD_NAME = "IoThub-methodname";
    private static final String METHOD_STATUS = "IoThub-status";

    private DeviceMessages() {
    }

    /** A device's twin request: what it asks and the correlation id to answer with. */
    public record TwinRequest(String operation, String resource, Object correlationId) {
    }

    /** A device's method answer. */
    public record MethodAnswer(String requestId, int status) {
    }

    public static TwinRequest twinRequest(Message message) {
        Map<Symbol, Object> annotations = message.getMessageAnnotations() == null ? Map.of()
                : message.getMessageAnnotations().getValue();
        Object operation = annotations.get(OPERATION);
        Object resource = annotations.get(RESOURCE);
        Properties properties = message.getProperties();
        return new TwinRequest(operation == null ? null : operation.toString(), resource == null ? null : resource.toString(),
                properties == null ? null : properties.getCorrelationId());
    }

    /** The answer to a twin request; {@code version} may be null. */
    public static Message twinResponse(Object correlationId, int status, Long version, byte[] body) {
        Message message = Proton.message();
        Properties properties = new Properties();
        properties.setCorrelationId(correlationId);
        message.setProperties(properties);
        Map<Symbol, Object> annotations = new HashMap<>();
        annotations.put(STATUS, status);
        if (version != null) {
            annotations.put(VERSION, version);
        }
        message.setMessageAnnotations(new MessageAnnotations(annotations));
        message.setBody(MessageBodies.data(body));
        return message;
    }

    public static Message desiredPatch(DesiredPatch patch) {
        Message message = Proton.message();
        Map<Symbol, Object> annotations = new HashMap<>();
        annotations.put(RESOURCE, "/properties/desired");
        annotations.put(VERSION, patch.version());
        message.setMessageAnnotations(new MessageAnnotations(annotations));
        message.setBody(MessageBodies.data(patch.toJson().toString().getBytes(StandardCharsets.UTF_8)));
        return message;
    }

    public static Message methodRequest(MethodRequest request) {
        Message message = Proton.message();
        Properties properties = new Properties();
        UUID id = UUID.fromString(request.requestId());
        properties.setMessageId(id);
        properties.setCorrelationId(id);
        message.setProperties(properties);
        message.setApplicationProperties(new ApplicationProperties(Map.of(METHOD_NAME, request.name())));
        message.setBody(MessageBodies.data(request.payload()));
        return message;
    }

    /** The request id and status of a device's method answer; INVALID_ARGUMENT when either is missing. */
    public static MethodAnswer methodAnswer(Message message) {
        Object correlationId = message.getProperties() == null ? null : message.getProperties().getCorrelationId();
        Object status = message.getApplicationProperties() == null ? null
                : message.getApplicationProperties().getValue().get(METHOD_STATUS);
        if (correlationId == null) {
            throw new GatewayException(ErrorCode.INVALID_ARGUMENT, "a method answer needs the request's correlation-id");
        }
        if (!(status instanceof Number number)) {
            throw new GatewayException(ErrorCode.INVALID_ARGUMENT, "a method answer needs an integer " + METHOD_STATUS);
        }
        return new MethodAnswer(correlationId.toString(), number.intValue());
    }
}
