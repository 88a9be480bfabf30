package io.gatehouse.core.ownership;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.methods.MethodCall;
import io.gatehouse.core.methods.MethodResult;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.model.MessagePropertiesCodec;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.PolledInboxes;
import io.gatehouse.core.queue.QueueMessageCodec;
import io.gatehouse.core.session.DeviceConnections.ConnectionState;
import io.gatehouse.core.store.BinaryReader;
import io.gatehouse.core.store.BinaryWriter;
import io.gatehouse.core.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The service calls for a device that one node hands to the node owning the device (a C2D send or purge, a direct
 * method, a read of its presence, a read or change of its twin, a polling device's take or settlement), those asked of
 * every node (a module's presence, the presences a node holds), a remote feedback receiver's take or settlement (to
 * the node owning the feedback queue), and their answers, in a compact binary form. Only
 * nodes of the same version talk this way: it is never stored.
 */
public final class OwnerCalls {

    private static final int VERSION = 1;
    private static final int SEND = 1;
    private static final int PURGE = 2;
    private static final int METHOD = 3;
    private static final int PRESENCE = 4;
    private static final int TWIN_PATCH = 5;
    private static final int TWIN_REPLACE = 6;
    private static final int TWIN_READ = 7;
    private static final int POLL_TAKE = 8;
    private static final int POLL_SETTLE = 9;
    private static final int MODULE_PRESENCE = 10;
    private static final int PRESENCES_HELD = 11;
    private static final int FEEDBACK_TAKE = 12;
    private static final int FEEDBACK_SETTLE = 13;
    private static final int PRESENCES_OF = 14;
    private static final int CONNECTED_HERE = 15;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ANSWERED = 0;
    private static final int FAILED = 1;
    /** The node no longer owns the device: place the call again. */
    private static final int MOVED = 2;

    /** A call as the owner reads it. */
    public sealed interface Call {
        /** Whether only the node owning the device may answer it (all but those asked of every node). */
        default boolean needsOwner() {
            return true;
        }
        record Send(C2dRequest request) implements Call {
        }

        record Purge() implements Call {
        }

        record Method(MethodCall call) implements Call {
        }

        record Presence() implements Call {
        }

        record TwinRead() implements Call {
        }

        /** Asked of every node, owner or not: whether a module of the device is connected there. */
        record ModulePresence(String moduleId) implements Call {
            @Override
            public boolean needsOwner() {
                return false;
            }
        }

        /**
         * Asked of every node: the presences it knows of devices connected to it or with messages queued on it (for
         * lists and queries, which show every device's).
         */
        record PresencesHeld() implements Call {
            @Override
            public boolean needsOwner() {
                return false;
            }
        }

        /** Asked of every node: the presences it holds of {@code devices} (a page of a list). */
        record PresencesOf(List<DeviceId> devices) implements Call {
            @Override
            public boolean needsOwner() {
                return false;
            }
        }

        /** Asked of every node: how many devices are connected to it (their own connections, not modules'). */
        record ConnectedHere() implements Call {
            @Override
            public boolean needsOwner() {
                return false;
            }
        }

        /** A polling device (HTTPS) takes a message under lock from the inbox on the owner. */
        record PollTake() implements Call {
        }

        /** A polling device settles a message the inbox on the owner holds under {@code token}. */
        record PollSettle(LockToken token, PolledInboxes.Settlement settlement) implements Call {
        }

        /**
         * A feedback receiver on another node takes a feedback message under lock from the node owning the feedback
         * queue; that node checks its ownership itself (no device is involved).
         */
        record FeedbackTake() implements Call {
            @Override
            public boolean needsOwner() {
                return false;
            }
        }

        /** A feedback receiver on another node settles a message the feedback queue's owner holds under {@code token}. */
        record FeedbackSettle(LockToken token, PolledInboxes.Settlement settlement) implements Call {
            @Override
            public boolean needsOwner() {
                return false;
            }
        }

        /** The service's patch ({@code replace} false) or replacement of the twin's tags and desired properties. */
        record TwinChange(boolean replace, String ifMatch, JsonNode tags, JsonNode desired) implements Call {
        }
    }

    private OwnerCalls() {
    }

    public static byte[] send(C2dRequest r) {
        BinaryWriter w = new BinaryWriter(64 + r.size()).writeByte(VERSION).writeByte(SEND);
        MessagePropertiesCodec.write(w, r.properties())
                .writeByte(r.ack().ordinal())
                .writeLong(r.expiry() == null ? Long.MIN_VALUE : r.expiry().toEpochMilli())
                .writeBytes(r.body());
        return w.toByteArray();
    }

    public static byte[] purge() {
        return new BinaryWriter(2).writeByte(VERSION).writeByte(PURGE).toByteArray();
    }

    /** A {@link Call.TwinRead} or a {@link Call.TwinChange}. */
    public static byte[] twinCall(Call call) {
        if (!(call instanceof Call.TwinChange change)) {
            return new BinaryWriter(2).writeByte(VERSION).writeByte(TWIN_READ).toByteArray();
        }
        return new BinaryWriter(256).writeByte(VERSION).writeByte(change.replace() ? TWIN_REPLACE : TWIN_PATCH)
                .writeString(change.ifMatch()).writeString(jsonText(change.tags()))
                .writeString(jsonText(change.desired())).toByteArray();
    }

    public static byte[] modulePresence(String moduleId) {
        return new BinaryWriter(64).writeByte(VERSION).writeByte(MODULE_PRESENCE).writeString(moduleId).toByteArray();
    }

    public static byte[] presencesHeld() {
        return new BinaryWriter(2).writeByte(VERSION).writeByte(PRESENCES_HELD).toByteArray();
    }

    public static byte[] presencesOf(Collection<DeviceId> devices) {
        BinaryWriter w = new BinaryWriter(8 + 32 * devices.size()).writeByte(VERSION).writeByte(PRESENCES_OF)
                .writeInt(devices.size());
        devices.forEach(device -> w.writeString(device.value()));
        return w.toByteArray();
    }

    public static byte[] connectedHere() {
        return new BinaryWriter(2).writeByte(VERSION).writeByte(CONNECTED_HERE).toByteArray();
    }

    public static byte[] pollTake() {
        return new BinaryWriter(2).writeByte(VERSION).writeByte(POLL_TAKE).toByteArray();
    }

    public static byte[] pollSettle(Call.PollSettle settle) {
        return settlement(POLL_SETTLE, settle.token(), settle.settlement());
    }

    public static byte[] feedbackTake() {
        return new BinaryWriter(2).writeByte(VERSION).writeByte(FEEDBACK_TAKE).toByteArray();
    }

    public static byte[] feedbackSettle(Call.FeedbackSettle settle) {
        return settlement(FEEDBACK_SETTLE, settle.token(), settle.settlement());
    }

    private static byte[] settlement(int op, LockToken token, PolledInboxes.Settlement settlement) {
        return new BinaryWriter(64).writeByte(VERSION).writeByte(op).writeByte(settlement.ordinal())
                .writeString(token.toString()).toByteArray();
    }

    public static byte[] presence() {
        return new BinaryWriter(2).writeByte(VERSION).writeByte(PRESENCE).toByteArray();
    }

    public static byte[] method(MethodCall call) {
        return new BinaryWriter(64 + call.payload().length).writeByte(VERSION).writeByte(METHOD)
                .writeString(call.name()).writeBytes(call.payload())
                .writeLong(call.responseTimeout().toMillis()).writeLong(call.connectTimeout().toMillis())
                .toByteArray();
    }

    public static Call read(byte[] call) {
        BinaryReader r = new BinaryReader(call).expectVersion(VERSION, "call between nodes");
        int op = r.readByte();
        switch (op) {
            case PURGE:
                return new Call.Purge();
            case PRESENCE:
                return new Call.Presence();
            case TWIN_READ:
                return new Call.TwinRead();
            case MODULE_PRESENCE:
                return new Call.ModulePresence(r.readString());
            case PRESENCES_HELD:
                return new Call.PresencesHeld();
            case PRESENCES_OF:
                int count = r.readInt();
                List<DeviceId> devices = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    devices.add(DeviceId.of(r.readString()));
                }
                return new Call.PresencesOf(devices);
            case CONNECTED_HERE:
                return new Call.ConnectedHere();
            case POLL_TAKE:
                return new Call.PollTake();
            case POLL_SETTLE:
                PolledInboxes.Settlement settlement = PolledInboxes.Settlement.values()[r.readByte()];
                return new Call.PollSettle(LockToken.parse(r.readString()), settlement);
            case FEEDBACK_TAKE:
                return new Call.FeedbackTake();
            case FEEDBACK_SETTLE:
                PolledInboxes.Settlement feedbackSettlement = PolledInboxes.Settlement.values()[r.readByte()];
                return new Call.FeedbackSettle(LockToken.parse(r.readString()), feedbackSettlement);
            case TWIN_PATCH:
            case TWIN_REPLACE:
                return new Call.TwinChange(op == TWIN_REPLACE, r.readString(), json(r.readString()), json(r.readString()));
            case METHOD:
                return new Call.Method(new MethodCall(r.readString(), r.readBytes(), Duration.ofMillis(r.readLong()),
                        Duration.ofMillis(r.readLong())));
            case SEND:
                MessageProperties properties = MessagePropertiesCodec.read(r);
                AckMode ack = AckMode.values()[r.readByte()];
                long expiry = r.readLong();
                return new Call.Send(new C2dRequest(properties, ack,
                        expiry == Long.MIN_VALUE ? null : Instant.ofEpochMilli(expiry), r.readBytes()));
            default:
                throw new IllegalArgumentException("unknown call between nodes: " + op);
        }
    }

    /** The owner's answer: the call's result. */
    public static byte[] answered(byte[] result) {
        return new BinaryWriter(8 + result.length).writeByte(ANSWERED).writeBytes(result).toByteArray();
    }

    /**
     * The owner's answer when the call failed; only a {@link GatewayException}'s code crosses over as itself. A node
     * that found it no longer owns the queue (its store refused the write) answers {@link #moved()}.
     */
    public static byte[] failed(Throwable failure) {
        if (StoreException.isNotOwner(failure)) {
            return moved();
        }
        GatewayException refusal = GatewayException.unwrap(failure);
        ErrorCode code = refusal != null ? refusal.code() : ErrorCode.SERVER_BUSY;
        String message = refusal != null ? refusal.getMessage() : "the node owning the device failed: " + failure;
        return new BinaryWriter(32 + message.length()).writeByte(FAILED).writeString(code.name()).writeString(message)
                .toByteArray();
    }

    public static byte[] moved() {
        return new byte[] {MOVED};
    }

    /** The result an answer carries, or empty when the call failed or the device had moved. */
    static Optional<byte[]> resultIfAnswered(byte[] answer) {
        BinaryReader r = new BinaryReader(answer);
        return r.readByte() == ANSWERED ? Optional.of(r.readBytes()) : Optional.empty();
    }

    /**
     * The result the answer carries, or its failure: a {@link StoreException#notOwner} when the node had let the
     * device go, as when the store refuses a write of a device that moved.
     */
    public static CompletableFuture<byte[]> resultOf(byte[] answer) {
        BinaryReader r = new BinaryReader(answer);
        return switch (r.readByte()) {
            case ANSWERED -> CompletableFuture.completedFuture(r.readBytes());
            case FAILED -> CompletableFuture.failedFuture(new GatewayException(ErrorCode.valueOf(r.readString()), r.readString()));
            case MOVED -> CompletableFuture.failedFuture(StoreException.notOwner("the node the call went to had let the device go"));
            default -> throw new IllegalArgumentException("unknown answer to a call between nodes");
        };
    }

    public static byte[] count(int value) {
        return new BinaryWriter(4).writeInt(value).toByteArray();
    }

    public static int count(byte[] encoded) {
        return new BinaryReader(encoded).readInt();
    }

    public static byte[] text(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    public static String text(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }

    public static byte[] presence(DevicePresence presence) {
        ConnectionState connection = presence.connection();
        return new BinaryWriter(24).writeBoolean(connection.connected())
                .writeLong(connection.stateUpdatedTime().toEpochMilli())
                .writeLong(connection.lastActivityTime().toEpochMilli())
                .writeInt(presence.cloudToDeviceMessageCount()).toByteArray();
    }

    public static DevicePresence presence(byte[] encoded) {
        BinaryReader r = new BinaryReader(encoded);
        ConnectionState connection = new ConnectionState(r.readBoolean(), Instant.ofEpochMilli(r.readLong()),
                Instant.ofEpochMilli(r.readLong()));
        return new DevicePresence(connection, r.readInt());
    }

    public static byte[] presences(Map<DeviceId, DevicePresence> presences) {
        BinaryWriter w = new BinaryWriter(16 + 64 * presences.size()).writeInt(presences.size());
        presences.forEach((device, presence) -> w.writeString(device.value()).writeBytes(presence(presence)));
        return w.toByteArray();
    }

    public static Map<DeviceId, DevicePresence> presences(byte[] encoded) {
        BinaryReader r = new BinaryReader(encoded);
        int count = r.readInt();
        Map<DeviceId, DevicePresence> presences = new HashMap<>(count * 2);
        for (int i = 0; i < count; i++) {
            presences.put(DeviceId.of(r.readString()), presence(r.readBytes()));
        }
        return presences;
    }

    /** What a poll took: a message under lock, or none. */
    public static byte[] polled(Optional<Delivery> taken) {
        if (taken.isEmpty()) {
            return new BinaryWriter(1).writeBoolean(false).toByteArray();
        }
        Delivery delivery = taken.get();
        byte[] message = QueueMessageCodec.encode(delivery.message(), "");
        return new BinaryWriter(64 + message.length).writeBoolean(true).writeString(delivery.lockToken().toString())
                .writeInt(delivery.deliveryCount()).writeBytes(message).toByteArray();
    }

    public static Optional<Delivery> polled(byte[] encoded) {
        BinaryReader r = new BinaryReader(encoded);
        if (!r.readBoolean()) {
            return Optional.empty();
        }
        LockToken token = LockToken.parse(r.readString());
        int deliveryCount = r.readInt();
        return Optional.of(new Delivery(token, deliveryCount, QueueMessageCodec.decode(r.readBytes()).message()));
    }

    private static String jsonText(JsonNode node) {
        return node == null ? null : node.toString();
    }

    private static JsonNode json(String text) {
        try {
            return text == null ? null : JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a twin change between nodes carries JSON that does not parse", e);
        }
    }

    public static byte[] methodResult(MethodResult result) {
        byte[] payload = result.payload() == null ? new byte[0] : result.payload();
        return new BinaryWriter(8 + payload.length).writeInt(result.status()).writeBytes(payload).toByteArray();
    }

    public static MethodResult methodResult(byte[] encoded) {
        BinaryReader r = new BinaryReader(encoded);
        return new MethodResult(r.readInt(), r.readBytes());
    }
}
