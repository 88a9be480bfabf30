package io.gatehouse.cluster;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.store.ClusterMember;
import io.gatehouse.core.store.DeviceOwnership;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device ownership between the nodes sharing one PostgreSQL (see {@link DeviceOwnership}):
 * {@code gatehouse_node} (each store instance, its "origin", with a heartbeat renewed every second) and
 * {@code gatehouse_owner} (which origin owns each device, and the feedback queue).
 *
 * <ul>
 *   <li>A claim locks the owner row, makes this origin the owner, reads the queue's rows and commits; the previous
 *       owner hears {@code release} on its own channel when that commits ({@link OwnerRows}). The writer of every
 *       node checks, in each transaction that changes a queue's rows, that its origin still owns the queue, holding
 *       the owner row meanwhile ({@code FOR SHARE}, {@link #owned}), so a claim waits for the old owner's commit in
 *       progress and everything the old owner commits later is refused: the new owner's read is complete and stays
 *       true.</li>
 *   <li>A service call for a device owned by a live origin is handed to it ({@link NodeCalls}); a device whose
 *       owner's heartbeat is older than {@value OwnerRows#DEAD_AFTER_SECONDS} s, or that nobody owns, is claimed by
 *       the caller instead.</li>
 *   <li>Every {@value #TAKEOVER_MILLIS} ms each node looks for devices whose owner is dead or gone and takes them
 *       over, up to {@value #TAKEOVER_BATCH} at a time and at once again while more are found (the first node to
 *       lock a device's row wins), so their expiries and lock timeouts run again.</li>
 *   <li>Event Hubs owner levels are {@link ReaderLevels}'.</li>
 * </ul>
 * All statements run on one thread with a connection of its own ({@link OwnershipWorker}); the listening on the
 * node's channel is {@link ChannelListener}'s.
 */
final class PostgresOwnership implements DeviceOwnership, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresOwnership.class);
    /** The device a call about the feedback queue names on the wire (the owner does not look it up). */
    private static final DeviceId HUB = DeviceId.of("$hub");
    static final long HEARTBEAT_MILLIS = 1000;
    static final long LEAVE_TIMEOUT_MILLIS = 10_000;
    static final long TAKEOVER_MILLIS = 5000;
    /**
     * Queues taken over per scan, in one transaction on the worker (which claims and calls also need); a full scan is
     * followed by the next at once, behind the work queued meanwhile.
     */
    static final int TAKEOVER_BATCH = 1000;

    private static final String HEARTBEAT = "INSERT INTO gatehouse_node (origin, node, heartbeat) VALUES (?, ?, now())"
            + " ON CONFLICT (origin) DO UPDATE SET heartbeat = now()";
    private static final String MEMBERS = "SELECT node, origin, heartbeat, heartbeat > now() - interval '"
            + OwnerRows.DEAD_AFTER_SECONDS + " seconds' FROM gatehouse_node WHERE heartbeat > now() - interval '1 hour'"
            + " ORDER BY node, origin";
    private static final String FENCE = "SELECT device FROM gatehouse_owner WHERE origin = ? AND device = ANY (?) FOR SHARE";
    /**
     * Devices whose owner is not alive, devices with queue rows but no owner (their owner left the cluster), and the
     * feedback queue likewise.
     */
    private static final String ABANDONED = "SELECT o.device FROM gatehouse_owner o WHERE NOT EXISTS (SELECT 1 FROM"
            + " gatehouse_node n WHERE n.origin = o.origin AND n.heartbeat > now() - interval '"
            + OwnerRows.DEAD_AFTER_SECONDS + " seconds')"
            + " UNION SELECT DISTINCT s.owner FROM gatehouse_state s WHERE s.kind = ? AND NOT EXISTS"
            + " (SELECT 1 FROM gatehouse_owner o WHERE o.device = s.owner)"
            + " UNION SELECT ? WHERE EXISTS (SELECT 1 FROM gatehouse_state WHERE kind IN (?, ?))"
            + " AND NOT EXISTS (SELECT 1 FROM gatehouse_owner WHERE device = ?) LIMIT " + TAKEOVER_BATCH;
    private static final String LEAVE = "DELETE FROM gatehouse_owner WHERE origin = ?; DELETE FROM gatehouse_node WHERE origin = ?";

    private final String origin;
    private final String node;
    private final ChannelListener channel;
    private final OwnershipWorker worker;
    private final NodeCalls calls;
    private final DeviceClaims claims;
    private final ReaderLevels readers;
    private volatile Listener listener;
    private volatile List<ClusterMember> members = List.of();

    private PostgresOwnership(PostgresSettings settings, String origin, String node, ChannelListener channel) {
        this.origin = origin;
        this.node = node;
        this.channel = channel;
        this.worker = new OwnershipWorker(settings);
        this.calls = new NodeCalls(worker, origin);
        this.claims = new DeviceClaims(worker, origin);
        this.readers = new ReaderLevels(worker, origin);
    }

    /** Registers the node and listens on its channel; heartbeats start at once. */
    static PostgresOwnership open(PostgresSettings settings, String origin, String node) throws SQLException {
        ChannelListener channel = ChannelListener.open(settings, OwnershipWorker.channelOf(origin), "postgres-ownership-channel");
        PostgresOwnership ownership = new PostgresOwnership(settings, origin, node, channel);
        try {
            ownership.worker.submit(connection -> {
                ownership.heartbeat(connection);
                return null;
            }).join();
        } catch (RuntimeException e) {
            channel.close();
            ownership.worker.close();
            throw new SQLException(e.getCause() != null ? e.getCause().getMessage() : e.getMessage(), e);
        }
        ownership.worker.every(HEARTBEAT_MILLIS, HEARTBEAT_MILLIS, ownership::heartbeatQuietly);
        return ownership;
    }

    @Override
    public boolean ownsEveryDevice() {
        return false;
    }

    @Override
    public CompletableFuture<Map<StateKey, byte[]>> claim(DeviceId device) {
        return claims.claim(device.value());
    }

    @Override
    public String recordTag() {
        return origin;
    }

    @Override
    public CompletableFuture<Map<StateKey, byte[]>> feedbackRecords() {
        return worker.transaction(OwnerRows::feedbackRecords);
    }

    /** A placement decided inside the transaction: run the call on the origin {@code forwardTo}, or claimed. */
    private record Decision(String forwardTo, Map<StateKey, byte[]> claimed) {
    }

    @Override
    public CompletableFuture<Placement> place(DeviceId device, byte[] call, Duration answerWithin) {
        return place(device.value(), device, call, answerWithin);
    }

    @Override
    public CompletableFuture<Placement> placeFeedback(byte[] call, Duration answerWithin) {
        return place(FEEDBACK, HUB, call, answerWithin);
    }

    /** {@code queue} names the owner row (a device id, or {@link #FEEDBACK}); {@code subject} is the call's device. */
    private CompletableFuture<Placement> place(String queue, DeviceId subject, byte[] call, Duration answerWithin) {
        String known = calls.knownOwner(queue);
        if (known != null && isLive(known)) {
            return calls.forward(known, queue, subject, call, answerWithin).thenApply(Placement.Answered::new);
        }
        return worker.transaction(connection -> {
            OwnerRows.Owner owner = OwnerRows.lock(connection, queue);
            if (owner != null && owner.alive() && !owner.origin().equals(origin)) {
                return new Decision(owner.origin(), null);
            }
            return new Decision(null, take(connection, queue, owner));
        }).thenCompose(decision -> {
            if (decision.forwardTo() == null) {
                return CompletableFuture.completedFuture(new Placement.Claimed(decision.claimed()));
            }
            calls.remember(queue, decision.forwardTo());
            return calls.forward(decision.forwardTo(), queue, subject, call, answerWithin).thenApply(Placement.Answered::new);
        });
    }

    /** Whether the node {@code origin} beat its heart lately, as the last look at the members saw (a second ago at most). */
    private boolean isLive(String origin) {
        return members.stream().anyMatch(member -> member.origin().equals(origin) && member.alive());
    }

    @Override
    public void forgetOwner(DeviceId device) {
        calls.forget(device.value());
    }

    @Override
    public void forgetFeedbackOwner() {
        calls.forget(FEEDBACK);
    }

    @Override
    public CompletableFuture<Void> claimReader(String consumerGroup, int partition, Long ownerLevel) {
        return readers.claim(consumerGroup, partition, ownerLevel);
    }

    @Override
    public void releaseReader(String consumerGroup, int partition, long ownerLevel) {
        readers.release(consumerGroup, partition, ownerLevel);
    }

    @Override
    public List<ClusterMember> members() {
        return members;
    }

    @Override
    public CompletableFuture<List<byte[]>> askEveryNode(DeviceId device, byte[] call, Duration answerWithin) {
        List<CompletableFuture<byte[]>> answers = members.stream().filter(m -> m.alive() && !m.self())
                // a node that does not answer in time (or went away) has nothing to say
                .map(m -> calls.ask(m.origin(), device, call, answerWithin).exceptionally(failure -> null))
                .toList();
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done -> answers.stream()
                .map(CompletableFuture::join).filter(Objects::nonNull).toList());
    }

    @Override
    public void listen(Listener listener) {
        this.listener = listener;
        worker.every(0, TAKEOVER_MILLIS, this::takeOverAbandoned);
        channel.start(new ChannelListener.Handler() {
            @Override
            public void notified(Connection listening, String payload) throws SQLException {
                handle(listening, payload);
            }

            @Override
            public void missed(Connection listening) {
                // calls announced meanwhile time out at their callers; releases missed leave this node believing it
                // owns devices it lost, and the store refuses its writes to them (which tells the core, see lost)
                LOG.warn("Messages to this node may have been missed while its PostgreSQL channel was down");
            }
        });
    }

    /**
     * Of the queues {@code owners} (device ids, {@link #FEEDBACK}), those this origin owns, locking their owner rows
     * until the transaction of {@code writer} ends: a claim waits for it, and it never commits queue rows of a queue
     * claimed meanwhile.
     */
    Set<String> owned(Connection writer, Set<String> owners) throws SQLException {
        try (PreparedStatement fence = writer.prepareStatement(FENCE)) {
            fence.setString(1, origin);
            fence.setArray(2, writer.createArrayOf("text", owners.toArray()));
            try (ResultSet rows = fence.executeQuery()) {
                Set<String> owned = new HashSet<>();
                while (rows.next()) {
                    owned.add(rows.getString(1));
                }
                return owned;
            }
        }
    }

    /**
     * The store refused this node's write for a queue another node had claimed: if the release never arrived (the
     * channel was down), the core learns it this way and stops using its stale queue.
     */
    void lost(String owned) {
        if (listener != null) {
            worker.execute(() -> released(owned));
        }
    }

    /** Leaves the cluster: its owner rows and its node row are removed, so others take its queues over at once. */
    @Override
    public void close() {
        channel.close();
        worker.finish(() -> {
            try (PreparedStatement leave = worker.connection().prepareStatement(LEAVE)) {
                leave.setString(1, origin);
                leave.setString(2, origin);
                leave.execute();
                worker.connection().commit();
            } catch (SQLException e) {
                LOG.warn("Could not remove this node's ownership rows: {}", e.getMessage());
            }
        }, LEAVE_TIMEOUT_MILLIS);
        calls.close();
    }

    private Map<StateKey, byte[]> take(Connection connection, String owned, OwnerRows.Owner previous) throws SQLException {
        return OwnerRows.take(connection, origin, owned, previous);
    }

    // ---------------------------------------------------------------- on the worker thread

    /** Takes over the queues no live node owns: the devices' in one transaction, the feedback queue's in another. */
    private void takeOverAbandoned() {
        try {
            List<String> abandoned = worker.inTransaction(connection -> {
                List<String> found = new ArrayList<>();
                try (PreparedStatement scan = connection.prepareStatement(ABANDONED)) {
                    scan.setShort(1, (short) RecordKind.C2D_MESSAGE.code());
                    scan.setString(2, FEEDBACK);
                    scan.setShort(3, (short) RecordKind.FEEDBACK_MESSAGE.code());
                    scan.setShort(4, (short) RecordKind.FEEDBACK_RECORD.code());
                    scan.setString(5, FEEDBACK);
                    try (ResultSet rows = scan.executeQuery()) {
                        while (rows.next()) {
                            found.add(rows.getString(1));
                        }
                    }
                }
                return found;
            });
            int found = abandoned.size();
            int takenOver = 0;
            if (abandoned.remove(FEEDBACK)) {
                Map<StateKey, byte[]> entries = worker.inTransaction(connection -> {
                    OwnerRows.Owner owner = OwnerRows.lock(connection, FEEDBACK);
                    return owner != null && owner.alive() ? null : take(connection, FEEDBACK, owner); // another node was first
                });
                if (entries != null) {
                    listener.feedbackAdopted(entries);
                    takenOver++;
                }
            }
            if (!abandoned.isEmpty()) {
                List<String> devices = new ArrayList<>(new TreeSet<>(abandoned));
                Map<String, Map<StateKey, byte[]>> taken = worker.inTransaction(
                        connection -> OwnerRows.takeAll(connection, origin, devices, true));
                taken.forEach((device, entries) -> listener.adopted(DeviceId.of(device), entries));
                takenOver += taken.size();
            }
            if (takenOver > 0) {
                LOG.info("Took over {} queues that no live node owned", takenOver);
            }
            if (found == TAKEOVER_BATCH) {
                worker.execute(this::takeOverAbandoned); // more wait: go on, behind the claims queued meanwhile
            }
        } catch (SQLException | RuntimeException e) {
            worker.disconnect();
            LOG.warn("Could not take over the queues of dead nodes: {}", e.getMessage());
        }
    }

    /** Renews this node's heartbeat and reads everyone's. */
    private void heartbeat(Connection connection) throws SQLException {
        try (PreparedStatement beat = connection.prepareStatement(HEARTBEAT);
             PreparedStatement everyone = connection.prepareStatement(MEMBERS)) {
            beat.setString(1, origin);
            beat.setString(2, node);
            beat.executeUpdate();
            List<ClusterMember> seen = new ArrayList<>();
            try (ResultSet rows = everyone.executeQuery()) {
                while (rows.next()) {
                    seen.add(new ClusterMember(rows.getString(1), rows.getString(2), rows.getString(2).equals(origin),
                            rows.getBoolean(4), rows.getTimestamp(3).toInstant()));
                }
            }
            connection.commit();
            members = List.copyOf(seen);
        }
    }

    private void heartbeatQuietly() {
        try {
            heartbeat(worker.connection());
        } catch (SQLException e) {
            worker.disconnect();
            LOG.debug("Heartbeat not written: {}", e.getMessage());
        }
    }

    // ---------------------------------------------------------------- on the listening thread

    /** What other nodes notify this one of. */
    private void handle(Connection listening, String payload) throws SQLException {
        String[] parts = payload.split(" ", 3);
        switch (parts[0]) {
            case "release" -> released(payload.substring("release ".length()));
            case "displace" -> {
                // displace <partition> <level> <consumer group>: the group last, as the one part that may hold spaces
                String[] displace = payload.split(" ", 4);
                listener.readersDisplaced(displace[3], Integer.parseInt(displace[1]), Long.parseLong(displace[2]));
            }
            case "call" -> calls.storedCall(listening, Long.parseLong(parts[1]), listener);
            case "icall" -> calls.inlineCall(payload, listener);
            case "reply" -> calls.reply(parts[1], parts[2]);
            case "sreply" -> calls.storedReply(listening, Long.parseLong(parts[1]));
            default -> LOG.warn("Unknown message on this node's channel: {}", parts[0]);
        }
    }

    private void released(String owned) {
        if (owned.equals(FEEDBACK)) {
            listener.feedbackReleased();
        } else {
            listener.released(DeviceId.of(owned));
        }
    }
}
