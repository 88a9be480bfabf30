package io.gatehouse.amqp.eventhub;

import io.gatehouse.amqp.auth.CbsPutToken;
import io.gatehouse.amqp.auth.ConnectionCredentials;
import io.gatehouse.amqp.message.AmqpErrors;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.auth.AuthResult;
import io.gatehouse.core.events.PartitionInfo;
import io.gatehouse.core.registry.AccessRight;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.messaging.AmqpValue;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.message.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Event Hubs {@code $management} node, enough for Event Hubs clients to start reading: {@code READ} of
 * {@code com.microsoft:eventhub} (name, created_at, partition_count, partition_ids) and of
 * {@code com.microsoft:partition} (begin_sequence_number, last_enqueued_sequence_number, last_enqueued_offset,
 * last_enqueued_time_utc, is_partition_empty). The Java client casts each value (Long, String, Date, Boolean,
 * String[]) and dereferences the times, so an empty partition reports -1, "-1" and the epoch. Needs a service
 * identity with ServiceConnect, from {@code $cbs} or the request's {@code security_token}.
 */
public final class EventHubManagement {

    public static final String NODE = "$management";
    private static final Logger log = LoggerFactory.getLogger(EventHubManagement.class);

    private final GatewayCore core;
    private final ConnectionCredentials credentials;
    private final Instant createdAt;
    private final String peer;

    /** @param createdAt what {@code created_at} reports (the gateway's start: entities are not created here) */
    public EventHubManagement(GatewayCore core, ConnectionCredentials credentials, Instant createdAt, String peer) {
        this.core = core;
        this.credentials = credentials;
        this.createdAt = createdAt;
        this.peer = peer;
    }

    public Message handle(Message request) {
        ApplicationProperties appSection = request.getApplicationProperties();
        Map<String, Object> app = appSection == null || appSection.getValue() == null ? Map.of() : appSection.getValue();
        if (!authorized(app.get("security_token"))) {
            return refuse(request, 401, AmqpErrors.UNAUTHORIZED_ACCESS, "a service token with ServiceConnect is required");
        }
        if (!"READ".equals(app.get("operation"))) {
            return refuse(request, 400, "unsupported operation '" + app.get("operation") + "'");
        }
        Object type = app.get("type");
        String hubName = core.settings().hubName();
        String name = app.get("name") instanceof String s ? s : hubName;
        if (!name.equalsIgnoreCase(hubName) && !name.equalsIgnoreCase("messages/events")) {
            return refuse(request, 404, AmqpErrors.NOT_FOUND, "no event hub '" + name + "' (this hub's is '" + hubName + "')");
        }
        if ("com.microsoft:eventhub".equals(type)) {
            return ok(request, eventHub(name));
        }
        if ("com.microsoft:partition".equals(type)) {
            Integer partition = partitionOf(app.get("partition"));
            if (partition == null) {
                return refuse(request, 404, AmqpErrors.NOT_FOUND, "no partition '" + app.get("partition") + "'");
            }
            return ok(request, partition(name, core.events().partitionInfo(partition)));
        }
        return refuse(request, 400, "unsupported entity type '" + type + "'");
    }

    private boolean authorized(Object securityToken) {
        if (credentials.service(AccessRight.SERVICE_CONNECT).isPresent()) {
            return true;
        }
        if (securityToken instanceof String token) {
            AuthResult<?> result = core.authenticator().authenticateService(token, AccessRight.SERVICE_CONNECT);
            if (result.isSuccess()) {
                credentials.add(result.principal());
                return true;
            }
        }
        return false;
    }

    private Integer partitionOf(Object value) {
        try {
            int p = Integer.parseInt(String.valueOf(value));
            return p >= 0 && p < core.events().partitionCount() ? p : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Map<String, Object> eventHub(String name) {
        int count = core.events().partitionCount();
        String[] ids = new String[count];
        for (int i = 0; i < count; i++) {
            ids[i] = Integer.toString(i);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("type", "com.microsoft:eventhub");
        body.put("created_at", Date.from(createdAt));
        body.put("partition_count", count);
        body.put("partition_ids", ids);
        return body;
    }

    private static Map<String, Object> partition(String name, PartitionInfo info) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("type", "com.microsoft:partition");
        body.put("partition", Integer.toString(info.partition()));
        body.put("begin_sequence_number", info.beginningSequenceNumber());
        body.put("last_enqueued_sequence_number", info.lastSequenceNumber());
        body.put("last_enqueued_offset", Long.toString(info.lastOffset()));
        body.put("last_enqueued_time_utc", info.lastEnqueuedTime() == null ? new Date(0) : Date.from(info.lastEnqueuedTime()));
        body.put("is_partition_empty", info.isEmpty());
        return body;
    }

    private static Message ok(Message request, Map<String, Object> body) {
        Message reply = CbsPutToken.reply(request, 200, "OK");
        reply.setBody(new AmqpValue(body));
        return reply;
    }

    private Message refuse(Message request, int status, String reason) {
        log.info("Refused AMQP $management request from {}: {}", peer, reason);
        return CbsPutToken.reply(request, status, reason);
    }

    /** A refusal with {@code error-condition}, which the Event Hubs SDKs prefer to the status code when present. */
    private Message refuse(Message request, int status, Symbol condition, String reason) {
        Message reply = refuse(request, status, reason);
        reply.getApplicationProperties().getValue().put("error-condition", condition);
        return reply;
    }
}
