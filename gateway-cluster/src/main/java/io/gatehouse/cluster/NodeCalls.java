package io.gatehouse.cluster;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.store.DeviceOwnership;
import io.gatehouse.core.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Service calls handed from one node to the node owning the device, and their answers. A call travels to the
 * owner's channel inside a notification (base64), or, when too large for one, as a row of {@code gatehouse_call}
 * announced there; the answer comes back on the caller's channel under the caller's token, the same two ways. The caller remembers
 * each queue's owner (a device's, the feedback queue's) for the next calls until the owner says the queue moved or
 * does not answer.
 */
final class NodeCalls {

    private static final Logger LOG = LoggerFactory.getLogger(NodeCalls.class);
    /**
     * Calls up to this size (in base64) travel inside the notification, whose payload PostgreSQL limits to 8000 bytes
     * (with room for the token, the caller and a device id of up to 128 characters).
     */
    private static final int INLINE_CALL_CHARS = 7000;
    static final int KNOWN_OWNERS = 100_000;
    /**
     * Stores a call (or an answer) too large for a notification and announces its row: {@code call <id>} to the owner,
     * {@code sreply <id>} to the caller; {@code reply_to} is the caller either way.
     */
    private static final String STORE = "WITH c AS (INSERT INTO gatehouse_call (device, reply_to, token, payload)"
            + " VALUES (?, ?, ?, ?) RETURNING id) SELECT pg_notify(?, ? || id) FROM c";
    private static final String TAKE = "DELETE FROM gatehouse_call WHERE id = ? RETURNING device, reply_to, token, payload";

    private final OwnershipWorker worker;
    private final String origin;
    private final Map<Long, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextToken = new AtomicLong();
    /** Where calls for a queue went last (device id or the feedback queue → origin). */
    private final Map<String, String> owners = new ConcurrentHashMap<>();

    NodeCalls(OwnershipWorker worker, String origin) {
        this.worker = worker;
        this.origin = origin;
    }

    /** The node the last call for {@code queue} went to, or null. */
    String knownOwner(String queue) {
        return owners.get(queue);
    }

    void remember(String queue, String owner) {
        if (owners.size() >= KNOWN_OWNERS) {
            owners.clear(); // a crude bound: a cleared entry costs one lookup
        }
        owners.put(queue, owner);
    }

    void forget(String queue) {
        owners.remove(queue);
    }

    /**
     * Hands {@code call} about {@code device} to {@code owner}, the owner of {@code queue}; completes with its answer,
     * or fails busy without one in time (then the owner is looked up again next time).
     */
    CompletableFuture<byte[]> forward(String owner, String queue, DeviceId device, byte[] call, Duration answerWithin) {
        return ask(owner, device, call, answerWithin).whenComplete((answer, failure) -> {
            if (failure != null) {
                forget(queue);
            }
        });
    }

    /** Hands {@code call} about {@code device} to the node {@code node}; completes with its answer, or fails busy. */
    CompletableFuture<byte[]> ask(String node, DeviceId device, byte[] call, Duration answerWithin) {
        long token = nextToken.incrementAndGet();
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        pending.put(token, answer);
        worker.after(answerWithin.toMillis(), () -> {
            if (pending.remove(token) != null) {
                answer.completeExceptionally(new GatewayException(ErrorCode.SERVER_BUSY,
                        "node " + node + " did not answer a call for device " + device + " within "
                                + answerWithin.toMillis() + " ms"));
            }
        });
        Runnable failed = () -> {
            if (pending.remove(token) != null) {
                answer.completeExceptionally(StoreException.unavailable("the call for device " + device
                        + " could not be handed to node " + node + ": PostgreSQL did not take the notification", null));
            }
        };
        String inline = Base64.getEncoder().encodeToString(call);
        if (inline.length() <= INLINE_CALL_CHARS) {
            worker.post(OwnershipWorker.channelOf(node), "icall " + token + " " + origin + " " + device.value() + " " + inline,
                    failed);
        } else {
            store(new Stored(device, origin, token, call), node, "call ", failed);
        }
        return answer;
    }

    /** A row of {@code gatehouse_call}: a call or an answer for the caller {@code replyTo}, under its token. */
    private record Stored(DeviceId device, String replyTo, long token, byte[] payload) {
    }

    /** Writes {@code row} and announces it on {@code node}'s channel as {@code announcement} followed by its id. */
    private void store(Stored row, String node, String announcement, Runnable failed) {
        worker.transaction(connection -> {
            try (PreparedStatement store = connection.prepareStatement(STORE)) {
                store.setString(1, row.device().value());
                store.setString(2, row.replyTo());
                store.setLong(3, row.token());
                store.setBytes(4, row.payload());
                store.setString(5, OwnershipWorker.channelOf(node));
                store.setString(6, announcement);
                store.executeQuery().close();
            }
            return null;
        }).exceptionally(failure -> {
            failed.run();
            return null;
        });
    }

    /** {@code icall <token> <caller> <device> <call in base64>}: device ids hold no spaces. */
    void inlineCall(String payload, DeviceOwnership.Listener listener) {
        String[] call = payload.split(" ", 5);
        answer(listener, DeviceId.of(call[3]), call[2], Long.parseLong(call[1]), Base64.getDecoder().decode(call[4]));
    }

    /** {@code call <id>}: the call is a row of {@code gatehouse_call}, taken on the listening connection. */
    void storedCall(Connection listening, long id, DeviceOwnership.Listener listener) throws SQLException {
        try (PreparedStatement take = listening.prepareStatement(TAKE)) {
            take.setLong(1, id);
            try (ResultSet row = take.executeQuery()) {
                if (row.next()) {
                    answer(listener, DeviceId.of(row.getString(1)), row.getString(2), row.getLong(3), row.getBytes(4));
                }
            }
        }
    }

    private void answer(DeviceOwnership.Listener listener, DeviceId device, String caller, long token, byte[] call) {
        listener.called(device, call).whenComplete((answer, failure) -> {
            if (answer == null) {
                LOG.warn("A call for device {} failed here: {}", device, failure.toString());
                return;
            }
            Runnable failed = () -> LOG.warn("Could not answer a call from another node: PostgreSQL did not take it");
            String inline = Base64.getEncoder().encodeToString(answer);
            if (inline.length() <= INLINE_CALL_CHARS) {
                worker.post(OwnershipWorker.channelOf(caller), "reply " + token + " " + inline, failed);
            } else {
                // a method's result, a twin or a message body may be too large for a notification
                store(new Stored(device, caller, token, answer), caller, "sreply ", failed);
            }
        });
    }

    /** {@code reply <token> <answer in base64>}. */
    void reply(String token, String answer) {
        complete(Long.parseLong(token), Base64.getDecoder().decode(answer));
    }

    /** {@code sreply <id>}: the answer is a row of {@code gatehouse_call}, taken on the listening connection. */
    void storedReply(Connection listening, long id) throws SQLException {
        try (PreparedStatement take = listening.prepareStatement(TAKE)) {
            take.setLong(1, id);
            try (ResultSet row = take.executeQuery()) {
                if (row.next()) {
                    complete(row.getLong(3), row.getBytes(4));
                }
            }
        }
    }

    private void complete(long token, byte[] answer) {
        CompletableFuture<byte[]> waiting = pending.remove(token);
        if (waiting != null) {
            waiting.complete(answer);
        }
    }

    /** The node is closing: calls still waiting for an answer fail. */
    void close() {
        pending.values().forEach(f -> f.completeExceptionally(new StoreException("the node is closing")));
    }
}
