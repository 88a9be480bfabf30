package io.gatehouse.amqp.auth;

import io.gatehouse.core.auth.AuthResult;
import io.gatehouse.core.auth.Principal;
import io.gatehouse.core.auth.SasAuthenticator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.qpid.proton.amqp.messaging.AmqpValue;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.message.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims-based security (docs/protocols.md#amqp-10): a {@code put-token} request on node {@code $cbs} carries a SAS token as an
 * AmqpValue string; the identity comes from the token's {@code sr} (never from the {@code name} property). The
 * reply correlates by the request's message-id, kept in its AMQP type (the SDKs send a uuid and cast the reply's
 * correlation-id back to one), with {@code status-code} as an AMQP int: 200, 400 (malformed request) or 401 for
 * every refused token, whether its signature is bad or its identity may not connect (disabled device, policy without
 * the right): Azure's AMQP clients read 403 as "quota exceeded" (the device SDK reports QUOTA_EXCEEDED).
 * Renewals arrive on the same links and replace the identity's expiry. A refused token is answered once this node
 * caught up with other nodes' registry changes ({@link SasAuthenticator#authenticateLatest}).
 */
public final class CbsPutToken {

    public static final String NODE = "$cbs";
    private static final Logger log = LoggerFactory.getLogger(CbsPutToken.class);

    private final SasAuthenticator authenticator;
    private final ConnectionCredentials credentials;
    private final String peer;
    private final Executor loop;

    /** {@code loop} runs tasks on the connection's event loop, where the credentials live. */
    public CbsPutToken(SasAuthenticator authenticator, ConnectionCredentials credentials, String peer, Executor loop) {
        this.authenticator = authenticator;
        this.credentials = credentials;
        this.peer = peer;
        this.loop = loop;
    }

    /** Handles one request; the reply is ready on the connection's event loop. */
    public CompletableFuture<Message> handle(Message request) {
        Map<String, Object> app = applicationProperties(request);
        Object operation = app.get("operation");
        String name = String.valueOf(app.get("name"));
        if (!"put-token".equals(operation)) {
            return CompletableFuture.completedFuture(refuse(request, 400, name, "unsupported $cbs operation '" + operation + "'"));
        }
        if (!(request.getBody() instanceof AmqpValue value) || !(value.getValue() instanceof String token)) {
            return CompletableFuture.completedFuture(
                    refuse(request, 400, name, "put-token needs the token as an amqp-value string"));
        }
        CompletableFuture<AuthResult<Principal>> result = authenticator.authenticateLatest(token);
        return result.isDone() ? CompletableFuture.completedFuture(answer(request, name, result.join()))
                : result.thenApplyAsync(latest -> answer(request, name, latest), loop);
    }

    private Message answer(Message request, String name, AuthResult<Principal> result) {
        if (result instanceof AuthResult.Failure<Principal> failure) {
            return refuse(request, 401, name, failure.reason());
        }
        credentials.add(result.principal());
        log.debug("AMQP put-token from {} accepted for {}", peer, result.principal());
        return reply(request, 200, "OK");
    }

    private Message refuse(Message request, int status, String name, String reason) {
        log.info("Refused AMQP put-token from {} for '{}': {}", peer, name, reason);
        return reply(request, status, reason);
    }

    static Map<String, Object> applicationProperties(Message message) {
        ApplicationProperties app = message.getApplicationProperties();
        return app == null || app.getValue() == null ? Map.of() : app.getValue();
    }

    /** A reply to a request/response node request: correlation-id = the request's message-id, status in app properties. */
    public static Message reply(Message request, int status, String description) {
        Message reply = Message.Factory.create();
        Properties properties = new Properties();
        Properties requestProperties = request.getProperties();
        if (requestProperties != null) {
            properties.setCorrelationId(requestProperties.getMessageId());
            properties.setTo(requestProperties.getReplyTo());
        }
        reply.setProperties(properties);
        Map<String, Object> app = new LinkedHashMap<>();
        app.put("status-code", status);
        app.put("status-description", description);
        reply.setApplicationProperties(new ApplicationProperties(app));
        return reply;
    }
}
