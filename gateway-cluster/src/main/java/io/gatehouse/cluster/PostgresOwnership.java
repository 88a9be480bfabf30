package io.gatehouse.cluster;

import io.gatehouse.core.events.OwnerLevelConflictException;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.store.ClusterMember;
import io.gatehouse.core.store.DeviceOwnership;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device ownership between the nodes sharing one PostgreSQL (see {@link DeviceOwnership}), in three tables:
 * {@code gatehouse_node} (each store instance, its "origin", with a heartbeat renewed every second),
 * {@code gatehouse_owner} (which origin owns each device) and {@code gatehouse_call} (service calls in transit).
 *
 * <ul>
 *   <li>A claim locks the device's owner row, makes this origin the owner, reads the device's queue rows and
 *       commits; the previous owner hears {@code release} on its own channel when that commits. The writer of every
 *       node checks, in each transaction that changes a device's queue rows, that its origin still owns the device,
 *       holding the owner row meanwhile ({@code FOR SHARE}), so a claim waits for the old owner's commit in progress
 *       and everything the old owner commits later is refused: the new owner's read is complete and stays true.</li>
 *   <li>A service call for a device owned by a live origin travels to the owner's channel inside a notification (or,
 *       when too large for one, as a row of {@code gatehouse_call} announced there); the owner runs the call and
 *       sends the answer back on the caller's channel. Notifications queued together go in one statement. The
 *       caller remembers the owner for the next calls until the owner says the device moved or does not answer. A device whose owner's heartbeat is older than {@value #DEAD_AFTER_SECONDS} s, or that nobody
 *       owns, is claimed by the caller instead.</li>
 *   <li>Every {@value #TAKEOVER_MILLIS} ms each node looks for devices whose owner is dead or gone and takes them
 *       over (the first node to lock a device's row wins), so their expiries and lock timeouts run again.</li>
 * </ul>
 * All statements run on one thread with a connection of its own; the listening is {@link ChannelListener}'s.
 */
final class PostgresOwnership implements DeviceOwnership, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresOwnership.class);
    static final long HEARTBEAT_MILLIS = 1000;
    static final int DEAD_AFTER_SECONDS = 10;
    static final long LEAVE_TIMEOUT_MILLIS = 10_000;
    static final long TAKEOVER_MILLIS = 5000;
    /** Devices taken over per scan: each is one transaction on the worker, which claims and calls also need. */
    static final int TAKEOVER_BATCH = 1000;
    static final int KNOWN_OWNERS = 100_000;

    private static final String MEMBERS = "SELECT node, origin, heartbeat, heartbeat > now() - interval '"
            + DEAD_AFTER_SECONDS + " seconds' FROM gatehouse_node WHERE heartbeat > now() - interval '1 hour' ORDER BY node, origin";
    private static final String HEARTBEAT = "INSERT INTO gatehouse_node (origin, node, heartbeat) VALUES (?, ?, now())"
            + " ON CONFLICT (origin) DO UPDATE SET heartbeat = now()";
    private static final String OWNER = "SELECT o.origin, n.heartbeat > now() - interval '" + DEAD_AFTER_SECONDS
            + " seconds' FROM gatehouse_owner o LEFT JOIN gatehouse_node n ON n.origin = o.origin WHERE o.device = ?"
            + " FOR UPDATE OF o";
    /** An owner row with no owner: only ever seen inside the transaction that claims it. */
    private static final String PLACEHOLDER = "INSERT INTO gatehouse_owner (device, origin) VALUES (?, '') ON CONFLICT DO NOTHING";
    private static final String TAKE = "INSERT INTO gatehouse_owner (device, origin) VALUES (?, ?)"
            + " ON CONFLICT (device) DO UPDATE SET origin = EXCLUDED.origin";
    private static final String DEVICE_ROWS = "SELECT kind, owner, id, value FROM gatehouse_state WHERE owner = ? AND kind = ANY (?)";
    /** The feedback queue's rows: its messages and counts (owner ""), and the records of every node. */
    private static final String FEEDBACK_ROWS = "SELECT kind, owner, id, value FROM gatehouse_state WHERE kind = ANY (?)";
    private static final String FEEDBACK_RECORDS = "SELECT kind, owner, id, value FROM gatehouse_state WHERE kind = "
            + RecordKind.FEEDBACK_RECORD.code();
    private static final String NOTIFY = "SELECT pg_notify(?, ?)";
    private static final String NOTIFY_ALL = "SELECT pg_notify(c, p) FROM unnest(?::text[], ?::text[]) AS t(c, p)";
    /**
     * Calls up to this size (in base64) travel inside the notification, whose payload PostgreSQL limits to 8000 bytes
     * (with room for the token, the caller and a device id of up to 128 characters).
     */
    private static final int INLINE_CALL_CHARS = 7000;
    private static final String SEND_CALL = "WITH c AS (INSERT INTO gatehouse_call (device, reply_to, token, payload)"
            + " VALUES (?, ?, ?, ?) RETURNING id) SELECT pg_notify(?, 'call ' || id) FROM c";
    private static final String TAKE_CALL = "DELETE FROM gatehouse_call WHERE id = ? RETURNING device, reply_to, token, payload";
    private static final String FENCE = "SELECT device FROM gatehouse_owner WHERE origin = ? AND device = ANY (?) FOR SHARE";
    /**
     * Devices whose owner is not alive, devices with queue rows but no owner (their owner left the cluster), and the
     * feedback queue likewise.
     */
    private static final String ABANDONED = "SELECT o.device FROM gatehouse_owner o WHERE NOT EXISTS (SELECT 1 FROM"
            + " gatehouse_node n WHERE n.origin = o.origin AND n.heartbeat > now() - interval '" + DEAD_AFTER_SECONDS
            + " seconds') UNION SELECT DISTINCT s.owner FROM gatehouse_state s WHERE s.kind = ? AND NOT EXISTS"
            + " (SELECT 1 FROM gatehouse_owner o WHERE o.device = s.owner)"
            + " UNION SELECT ? WHERE EXISTS (SELECT 1 FROM gatehouse_state WHERE kind IN (?, ?))"
            + " AND NOT EXISTS (SELECT 1 FROM gatehouse_owner WHERE device = ?) LIMIT " + TAKEOVER_BATCH;
    private static final String READER_PLACEHOLDER = "INSERT INTO gatehouse_reader (consumer_group, partition, level, origin)"
            + " VALUES (?, ?, -1, '') ON CONFLICT DO NOTHING";
    private static final String READER = "SELECT r.level, r.origin, n.heartbeat > now() - interval '" + DEAD_AFTER_SECONDS
            + " seconds' FROM gatehouse_reader r LEFT JOIN gatehouse_node n ON n.origin = r.origin"
            + " WHERE r.consumer_group = ? AND r.partition = ? FOR UPDATE OF r";
    private static final String TAKE_READER = "UPDATE gatehouse_reader SET level = ?, origin = ? WHERE consumer_group = ? AND partition = ?";
    private static final String RELEASE_READER = "UPDATE gatehouse_reader SET level = -1, origin = ''"
            + " WHERE consumer_group = ? AND partition = ? AND origin = ? AND level = ?";
    private static final String LEAVE = "DELETE FROM gatehouse_owner WHERE origin = ?; DELETE FROM gatehouse_node WHERE origin = ?";

    private final PostgresSettings settings;
    private final String origin;
    private final String node;
    private final ChannelListener channel;
    private final ScheduledExecutorService worker;
    private final Map<Long, CompletableFuture<byte[]>> calls = new ConcurrentHashMap<>();
    private final AtomicLong nextToken = new AtomicLong();
    /** Where calls for a device went last (device → origin); dropped when the owner says it moved or does not answer. */
    private final Map<String, String> owners = new ConcurrentHashMap<>();
    private final Queue<Note> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final Short[] deviceKinds = kindCodes(DeviceOwnership.DEVICE_KINDS);
    private final Short[] feedbackKinds = kindCodes(List.of(RecordKind.FEEDBACK_MESSAGE,
            RecordKind.FEEDBACK_DELIVERY_COUNT, RecordKind.FEEDBACK_RECORD));
    private Connection connection;
    private volatile Listener listener;
    private volatile List<ClusterMember> members = List.of();

    private PostgresOwnership(PostgresSettings settings, String origin, String node, ChannelListener channel) {
        this.settings = settings;
        this.origin = origin;
        this.node = node;
        this.channel = channel;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "postgres-ownership");
            t.setDaemon(true);
            return t;
        });
    }

    /** Registers the node and listens on its channel; heartbeats start at once. */
    static PostgresOwnership open(PostgresSettings settings, String origin, String node) throws SQLException {
        ChannelListener channel = ChannelListener.open(settings, channelOf(origin), "postgres-ownership-channel");
        PostgresOwnership ownership = new PostgresOwnership(settings, origin, node, channel);
        try {
            ownership.heartbeat();
        } catch (SQLException e) {
            channel.close();
            throw e;
        }
        ownership.worker.scheduleWithFixedDelay(ownership::heartbeatQuietly, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS,
                TimeUnit.MILLISECONDS);
        return ownership;
    }

    /** A node's channel: derived from its origin, which is unique, so hubs in other schemas never share one. */
    private static String channelOf(String origin) {
        return "gatehouse_node_" + origin.replace("-", "");
    }

    @Override
    public boolean ownsEveryDevice() {
        return false;
    }

    @Override
    public CompletableFuture<Map<StateKey, byte[]>> claim(DeviceId device) {
        return onWorker(() -> inTransaction(() -> take(device.value(), lockOwner(device.value()))));
    }

    @Override
    public String recordTag() {
        return origin;
    }

    @Override
    public CompletableFuture<Map<StateKey, byte[]>> claimFeedback() {
        return onWorker(() -> inTransaction(() -> take(FEEDBACK, lockOwner(FEEDBACK))));
    }

    @Override
    public CompletableFuture<Map<StateKey, byte[]>> feedbackRecords() {
        return onWorker(() -> {
            try (PreparedStatement rows = connection.prepareStatement(FEEDBACK_RECORDS)) {
                Map<StateKey, byte[]> records = readRows(rows);
                connection.commit();
                return records;
            }
        });
    }

    @Override
    public CompletableFuture<Placement> place(DeviceId device, byte[] call, Duration answerWithin) {
        String known = owners.get(device.value());
        if (known != null) {
            return forward(known, device, call, answerWithin).thenApply(Placement.Answered::new);
        }
        return onWorker(() -> inTransaction(() -> {
            Owner owner = lockOwner(device.value());
            if (owner != null && owner.alive() && !owner.origin().equals(origin)) {
                return new Decision(owner.origin(), null);
            }
            return new Decision(null, take(device.value(), owner));
        })).thenCompose(decision -> {
            if (decision.forwardTo() == null) {
                return CompletableFuture.completedFuture(new Placement.Claimed(decision.claimed()));
            }
            rememberOwner(device.value(), decision.forwardTo());
            return forward(decision.forwardTo(), device, call, answerWithin).thenApply(Placement.Answered::new);
        });
    }

    @Override
    public CompletableFuture<Void> claimReader(String consumerGroup, int partition, Long ownerLevel) {
        return onWorker(() -> inTransaction(() -> {
            try (PreparedStatement placeholder = connection.prepareStatement(READER_PLACEHOLDER)) {
                placeholder.setString(1, consumerGroup);
                placeholder.setInt(2, partition);
                placeholder.executeUpdate();
            }
            long heldLevel;
            String holder;
            try (PreparedStatement reader = connection.prepareStatement(READER)) {
                reader.setString(1, consumerGroup);
                reader.setInt(2, partition);
                try (ResultSet row = reader.executeQuery()) {
                    row.next();
                    heldLevel = row.getLong(1);
                    boolean elsewhere = !row.getString(2).isEmpty() && !row.getString(2).equals(origin) && row.getBoolean(3);
                    holder = elsewhere ? row.getString(2) : null;
                }
            }
            if (holder != null && (ownerLevel == null || heldLevel > ownerLevel)) {
                throw new OwnerLevelConflictException("a reader with owner level " + heldLevel + " on another node holds partition "
                        + partition + " of consumer group '" + consumerGroup + "'");
            }
            if (ownerLevel != null) {
                try (PreparedStatement take = connection.prepareStatement(TAKE_READER)) {
                    take.setLong(1, ownerLevel);
                    take.setString(2, origin);
                    take.setString(3, consumerGroup);
                    take.setInt(4, partition);
                    take.executeUpdate();
                }
                if (holder != null) {
                    notify(channelOf(holder), "displace " + partition + " " + ownerLevel + " " + consumerGroup);
                }
            }
            return null;
        }));
    }

    @Override
    public void releaseReader(String consumerGroup, int partition, long ownerLevel) {
        onWorker(() -> {
            try (PreparedStatement release = connection.prepareStatement(RELEASE_READER)) {
                release.setString(1, consumerGroup);
                release.setInt(2, partition);
                release.setString(3, origin);
                release.setLong(4, ownerLevel);
                release.executeUpdate();
            }
            connection.commit();
            return null;
        });
    }

    @Override
    public void forgetOwner(DeviceId device) {
        owners.remove(device.value());
    }

    /** Remembers where a device is owned, so that the next calls for it skip the owner lookup. */
    private void rememberOwner(String device, String owner) {
        if (owners.size() >= KNOWN_OWNERS) {
            owners.clear(); // a crude bound: a cleared entry costs one lookup
        }
        owners.put(device, owner);
    }

    @Override
    public void listen(Listener listener) {
        this.listener = listener;
        worker.scheduleWithFixedDelay(this::takeOverAbandoned, 0, TAKEOVER_MILLIS, TimeUnit.MILLISECONDS);
        channel.start(new ChannelListener.Handler() {
            @Override
            public void notified(Connection listening, String payload) throws SQLException {
                handle(listening, payload);
            }

            @Override
            public void missed(Connection listening) {
                // calls announced meanwhile time out at their callers; releases missed leave this node believing it
                // owns devices it lost, and the store refuses its writes to them, so their queues here stay stale
                // until those devices connect here again
                LOG.warn("Messages to this node may have been missed while its PostgreSQL channel was down");
            }
        });
    }

    /**
     * The devices among {@code devices} that this origin owns, locking their owner rows until the transaction of
     * {@code writer} ends: a claim waits for it, and it never commits queue rows of a device claimed meanwhile.
     */
    Set<String> owned(Connection writer, Set<String> devices) throws SQLException {
        try (PreparedStatement fence = writer.prepareStatement(FENCE)) {
            fence.setString(1, origin);
            fence.setArray(2, writer.createArrayOf("text", devices.toArray()));
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
     * The store refused this node's write for a device another node had claimed: if the release never arrived (the
     * channel was down), the core learns it this way and stops using its stale queue.
     */
    void lost(String owned) {
        if (listener != null) {
            worker.execute(() -> released(owned));
        }
    }

    /** Leaves the cluster: its devices and its node row are removed, so others claim them at once. */
    @Override
    public void close() {
        channel.close();
        try {
            worker.submit(() -> {
                try {
                    connect();
                    try (PreparedStatement leave = connection.prepareStatement(LEAVE)) {
                        leave.setString(1, origin);
                        leave.setString(2, origin);
                        leave.execute();
                    }
                } catch (SQLException e) {
                    LOG.warn("Could not remove this node's ownership rows: {}", e.getMessage());
                }
                disconnect();
            }).get(LEAVE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("Leaving the cluster: {}", e.toString());
        }
        worker.shutdownNow();
        calls.values().forEach(f -> f.completeExceptionally(new StoreException("the node is closing")));
    }

    // ---------------------------------------------------------------- on the worker thread

    private record Owner(String origin, boolean alive) {
    }

    /** A placement decided inside the transaction: run the call on the origin {@code forwardTo}, or claimed. */
    private record Decision(String forwardTo, Map<StateKey, byte[]> claimed) {
    }

    /**
     * Locks the owner row of {@code owned} until the transaction ends and returns it, or null when nobody owns it. A
     * row without an owner is inserted first, so that two nodes claiming a device nobody owned queue up on its lock
     * instead of both inserting (the second would overwrite the first without telling it).
     */
    private Owner lockOwner(String owned) throws SQLException {
        try (PreparedStatement placeholder = connection.prepareStatement(PLACEHOLDER)) {
            placeholder.setString(1, owned);
            placeholder.executeUpdate();
        }
        try (PreparedStatement owner = connection.prepareStatement(OWNER)) {
            owner.setString(1, owned);
            try (ResultSet row = owner.executeQuery()) {
                row.next();
                String origin = row.getString(1);
                return origin.isEmpty() ? null : new Owner(origin, row.getBoolean(2));
            }
        }
    }

    /**
     * Makes this origin the owner of {@code owned} (a device id or {@link #FEEDBACK}); {@code previous} is its owner
     * row, locked by {@link #lockOwner}, or null when there is none. Tells the previous owner, and reads the rows
     * that come with the ownership.
     */
    private Map<StateKey, byte[]> take(String owned, Owner previous) throws SQLException {
        try (PreparedStatement take = connection.prepareStatement(TAKE)) {
            take.setString(1, owned);
            take.setString(2, origin);
            take.executeUpdate();
        }
        if (previous != null && !previous.origin().equals(origin)) {
            notify(channelOf(previous.origin()), "release " + owned);
        }
        boolean feedback = owned.equals(FEEDBACK);
        try (PreparedStatement rows = connection.prepareStatement(feedback ? FEEDBACK_ROWS : DEVICE_ROWS)) {
            if (feedback) {
                rows.setArray(1, connection.createArrayOf("smallint", feedbackKinds));
            } else {
                rows.setString(1, owned);
                rows.setArray(2, connection.createArrayOf("smallint", deviceKinds));
            }
            return readRows(rows);
        }
    }

    private static Map<StateKey, byte[]> readRows(PreparedStatement query) throws SQLException {
        Map<StateKey, byte[]> entries = new HashMap<>();
        try (ResultSet row = query.executeQuery()) {
            while (row.next()) {
                entries.put(StateKey.decode(row.getShort(1), row.getString(2), row.getLong(3)), row.getBytes(4));
            }
        }
        return entries;
    }

    private static Short[] kindCodes(List<RecordKind> kinds) {
        return kinds.stream().map(k -> (short) k.code()).toArray(Short[]::new);
    }

    /**
     * Hands {@code call} to {@code owner}: inside the notification itself when it is small (nearly every C2D message),
     * else as a row of {@code gatehouse_call} announced on the owner's channel.
     */
    private CompletableFuture<byte[]> forward(String owner, DeviceId device, byte[] call, Duration answerWithin) {
        long token = nextToken.incrementAndGet();
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        calls.put(token, answer);
        worker.schedule(() -> {
            if (calls.remove(token) != null) {
                owners.remove(device.value());
                answer.completeExceptionally(new GatewayException(ErrorCode.SERVER_BUSY,
                        "the node owning device " + device + " did not answer within " + answerWithin.toMillis() + " ms"));
            }
        }, answerWithin.toMillis(), TimeUnit.MILLISECONDS);
        Runnable failed = () -> {
            if (calls.remove(token) != null) {
                answer.completeExceptionally(StoreException.unavailable("the call could not be handed to the node owning "
                        + device + ": PostgreSQL did not take the notification", null));
            }
        };
        String inline = Base64.getEncoder().encodeToString(call);
        if (inline.length() <= INLINE_CALL_CHARS) {
            post(new Note(channelOf(owner), "icall " + token + " " + origin + " " + device.value() + " " + inline, failed));
            return answer;
        }
        onWorker(() -> {
            try (PreparedStatement send = connection.prepareStatement(SEND_CALL)) {
                send.setString(1, device.value());
                send.setString(2, origin);
                send.setLong(3, token);
                send.setBytes(4, call);
                send.setString(5, channelOf(owner));
                send.executeQuery().close();
            }
            connection.commit();
            return null;
        }).exceptionally(failure -> {
            failed.run();
            return null;
        });
        return answer;
    }

    private void reply(String caller, long token, byte[] answer) {
        post(new Note(channelOf(caller), "reply " + token + " " + Base64.getEncoder().encodeToString(answer),
                () -> LOG.warn("Could not answer a call from another node: PostgreSQL did not take the notification")));
    }

    /** A notification to send, and what to do when it could not be. */
    private record Note(String channel, String payload, Runnable failed) {
    }

    /** Queues a notification; the worker sends everything queued in one statement and one commit. */
    private void post(Note note) {
        outbox.add(note);
        if (draining.compareAndSet(false, true)) {
            try {
                worker.execute(this::sendOutbox);
            } catch (RejectedExecutionException e) {
                note.failed().run();
            }
        }
    }

    private void sendOutbox() {
        draining.set(false);
        List<Note> notes = new ArrayList<>();
        for (Note note = outbox.poll(); note != null; note = outbox.poll()) {
            notes.add(note);
        }
        if (notes.isEmpty()) {
            return;
        }
        try {
            connect();
            try (PreparedStatement notify = connection.prepareStatement(NOTIFY_ALL)) {
                notify.setArray(1, connection.createArrayOf("text", notes.stream().map(Note::channel).toArray()));
                notify.setArray(2, connection.createArrayOf("text", notes.stream().map(Note::payload).toArray()));
                notify.executeQuery().close();
            }
            connection.commit();
        } catch (SQLException e) {
            disconnect();
            LOG.warn("PostgreSQL did not take {} notifications to other nodes: {}", notes.size(), e.getMessage());
            notes.forEach(note -> note.failed().run());
        }
    }

    private void notify(String channelName, String payload) throws SQLException {
        try (PreparedStatement notify = connection.prepareStatement(NOTIFY)) {
            notify.setString(1, channelName);
            notify.setString(2, payload);
            notify.executeQuery().close();
        }
    }

    /** Takes over, one transaction each, the devices no live node owns; runs on the worker. */
    private void takeOverAbandoned() {
        try {
            connect();
            List<String> devices = new ArrayList<>();
            try (PreparedStatement scan = connection.prepareStatement(ABANDONED)) {
                scan.setShort(1, (short) RecordKind.C2D_MESSAGE.code());
                scan.setString(2, FEEDBACK);
                scan.setShort(3, (short) RecordKind.FEEDBACK_MESSAGE.code());
                scan.setShort(4, (short) RecordKind.FEEDBACK_RECORD.code());
                scan.setString(5, FEEDBACK);
                try (ResultSet rows = scan.executeQuery()) {
                    while (rows.next()) {
                        devices.add(rows.getString(1));
                    }
                }
            }
            connection.commit();
            for (String owned : devices) {
                Map<StateKey, byte[]> entries = inTransaction(() -> {
                    Owner owner = lockOwner(owned);
                    return owner != null && owner.alive() ? null : take(owned, owner); // another node was first
                });
                if (entries == null) {
                    continue;
                }
                if (owned.equals(FEEDBACK)) {
                    listener.feedbackAdopted(entries);
                } else {
                    listener.adopted(DeviceId.of(owned), entries);
                }
            }
            if (!devices.isEmpty()) {
                LOG.info("Took over {} devices that no live node owned", devices.size());
            }
        } catch (SQLException | RuntimeException e) {
            disconnect();
            LOG.warn("Could not take over the devices of dead nodes: {}", e.getMessage());
        }
    }

    /** Renews this node's heartbeat and reads everyone's. */
    private void heartbeat() throws SQLException {
        connect();
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
        } catch (SQLException e) {
            disconnect();
            throw e;
        }
    }

    @Override
    public List<ClusterMember> members() {
        return members;
    }

    private void heartbeatQuietly() {
        try {
            heartbeat();
        } catch (SQLException e) {
            LOG.debug("Heartbeat not written: {}", e.getMessage());
        }
    }

    // ---------------------------------------------------------------- on the listening thread

    /** {@code release <device>}, {@code call <id>} or {@code reply <token> <answer in base64>}. */
    private void handle(Connection listening, String payload) throws SQLException {
        String[] parts = payload.split(" ", 3);
        switch (parts[0]) {
            case "release" -> released(payload.substring("release ".length()));
            case "displace" -> {
                // displace <partition> <level> <consumer group>: the group last, as the one part that may hold spaces
                String[] displace = payload.split(" ", 4);
                listener.readersDisplaced(displace[3], Integer.parseInt(displace[1]), Long.parseLong(displace[2]));
            }
            case "call" -> takeCall(listening, Long.parseLong(parts[1]));
            case "icall" -> {
                // icall <token> <caller> <device> <call in base64>: device ids hold no spaces
                String[] call = payload.split(" ", 5);
                answer(DeviceId.of(call[3]), call[2], Long.parseLong(call[1]), Base64.getDecoder().decode(call[4]));
            }
            case "reply" -> {
                CompletableFuture<byte[]> answer = calls.remove(Long.parseLong(parts[1]));
                if (answer != null) {
                    answer.complete(Base64.getDecoder().decode(parts[2]));
                }
            }
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

    private void takeCall(Connection listening, long id) throws SQLException {
        try (PreparedStatement take = listening.prepareStatement(TAKE_CALL)) {
            take.setLong(1, id);
            try (ResultSet row = take.executeQuery()) {
                if (!row.next()) {
                    return;
                }
                answer(DeviceId.of(row.getString(1)), row.getString(2), row.getLong(3), row.getBytes(4));
            }
        }
    }

    private void answer(DeviceId device, String caller, long token, byte[] call) {
        listener.called(device, call).whenComplete((answer, failure) -> {
            if (answer != null) {
                reply(caller, token, answer);
            } else {
                LOG.warn("A call for device {} failed here: {}", device, failure.toString());
            }
        });
    }

    // ---------------------------------------------------------------- plumbing

    @FunctionalInterface
    private interface Work<T> {
        T run() throws SQLException;
    }

    /**
     * Runs {@code work} on the worker's connection; a failed statement drops the connection for the next. A refusal
     * (an {@link OwnerLevelConflictException}) rolls back and reaches the caller as itself.
     */
    private <T> CompletableFuture<T> onWorker(Work<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            worker.execute(() -> {
                try {
                    connect();
                    result.complete(work.run());
                } catch (OwnerLevelConflictException e) {
                    try {
                        connection.rollback();
                    } catch (SQLException rollback) {
                        disconnect();
                    }
                    result.completeExceptionally(e);
                } catch (SQLException | RuntimeException e) {
                    disconnect();
                    result.completeExceptionally(StoreException.unavailable(
                            "PostgreSQL at " + settings.where() + " did not answer an ownership query: " + e.getMessage(), e));
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new StoreException("the node is closing"));
        }
        return result;
    }

    private <T> T inTransaction(Work<T> work) throws SQLException {
        T result = work.run();
        connection.commit();
        return result;
    }

    private void connect() throws SQLException {
        if (connection == null) {
            connection = settings.connect();
            connection.setAutoCommit(false);
        }
    }

    private void disconnect() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // a broken connection: nothing more to learn
            }
            connection = null;
        }
    }
}
