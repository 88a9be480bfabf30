package io.gatehouse.cluster;

import io.gatehouse.core.store.DeviceOwnership;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL of {@code gatehouse_owner}: lock an owner row, take it, and read the state rows that come with it (a
 * device's C2D queue, or the feedback queue with every node's records). Runs in the caller's transaction.
 */
final class OwnerRows {

    /** The owner row of a device (or the feedback queue) and whether its node is alive. */
    record Owner(String origin, boolean alive) {
    }

    /** A node whose heartbeat is older than this many seconds is dead. */
    static final int DEAD_AFTER_SECONDS = 10;
    /** An owner row with no owner: only ever seen inside the transaction that claims it. */
    private static final String PLACEHOLDER = "INSERT INTO gatehouse_owner (device, origin) VALUES (?, '') ON CONFLICT DO NOTHING";
    private static final String OWNER = "SELECT o.origin, n.heartbeat > now() - interval '" + DEAD_AFTER_SECONDS
            + " seconds' FROM gatehouse_owner o LEFT JOIN gatehouse_node n ON n.origin = o.origin WHERE o.device = ?"
            + " FOR UPDATE OF o";
    private static final String TAKE = "INSERT INTO gatehouse_owner (device, origin) VALUES (?, ?)"
            + " ON CONFLICT (device) DO UPDATE SET origin = EXCLUDED.origin";
    private static final String DEVICE_ROWS = "SELECT kind, owner, id, value FROM gatehouse_state WHERE owner = ? AND kind = ANY (?)";
    /** Many devices at once, in a fixed order (by device) so that two nodes claiming overlapping sets never deadlock. */
    private static final String PLACEHOLDERS = "INSERT INTO gatehouse_owner (device, origin)"
            + " SELECT d, '' FROM unnest(?::text[]) AS t(d) ORDER BY d ON CONFLICT DO NOTHING";
    private static final String OWNERS = "SELECT o.device, o.origin, n.heartbeat > now() - interval '" + DEAD_AFTER_SECONDS
            + " seconds' FROM gatehouse_owner o LEFT JOIN gatehouse_node n ON n.origin = o.origin WHERE o.device = ANY (?)"
            + " ORDER BY o.device FOR UPDATE OF o";
    private static final String TAKE_ALL = "UPDATE gatehouse_owner SET origin = ? WHERE device = ANY (?)";
    private static final String DEVICES_ROWS = "SELECT kind, owner, id, value FROM gatehouse_state WHERE owner = ANY (?)"
            + " AND kind = ANY (?)";
    /** The feedback queue's rows: its messages and counts (owner ""), and the records of every node. */
    private static final String FEEDBACK_ROWS = "SELECT kind, owner, id, value FROM gatehouse_state WHERE kind = ANY (?)";
    private static final String FEEDBACK_RECORDS = "SELECT kind, owner, id, value FROM gatehouse_state WHERE kind = "
            + RecordKind.FEEDBACK_RECORD.code();
    private static final Short[] DEVICE_KINDS = kindCodes(DeviceOwnership.DEVICE_KINDS);
    private static final Short[] FEEDBACK_KINDS = kindCodes(List.of(RecordKind.FEEDBACK_MESSAGE,
            RecordKind.FEEDBACK_DELIVERY_COUNT, RecordKind.FEEDBACK_RECORD));

    private OwnerRows() {
    }

    /**
     * Locks the owner row of {@code owned} until the transaction ends and returns it, or null when nobody owns it. A
     * row without an owner is inserted first, so that two nodes claiming a device nobody owned queue up on its lock
     * instead of both inserting (the second would overwrite the first without telling it).
     */
    static Owner lock(Connection connection, String owned) throws SQLException {
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
     * Makes {@code origin} the owner of {@code owned} (a device id or {@link DeviceOwnership#FEEDBACK}); {@code
     * previous} is its owner row, locked by {@link #lock}, or null when there is none. Tells the previous owner (when
     * the transaction commits), and reads the rows that come with the ownership.
     */
    static Map<StateKey, byte[]> take(Connection connection, String origin, String owned, Owner previous) throws SQLException {
        try (PreparedStatement take = connection.prepareStatement(TAKE)) {
            take.setString(1, owned);
            take.setString(2, origin);
            take.executeUpdate();
        }
        if (previous != null && !previous.origin().equals(origin)) {
            OwnershipWorker.notify(connection, OwnershipWorker.channelOf(previous.origin()), "release " + owned);
        }
        boolean feedback = owned.equals(DeviceOwnership.FEEDBACK);
        try (PreparedStatement rows = connection.prepareStatement(feedback ? FEEDBACK_ROWS : DEVICE_ROWS)) {
            if (feedback) {
                rows.setArray(1, connection.createArrayOf("smallint", FEEDBACK_KINDS));
            } else {
                rows.setString(1, owned);
                rows.setArray(2, connection.createArrayOf("smallint", DEVICE_KINDS));
            }
            return read(rows);
        }
    }

    /**
     * {@link #lock} and {@link #take} for many devices in a few statements: makes {@code origin} the owner of every
     * one of {@code devices} (sorted, distinct), or, with {@code abandonedOnly}, of those no live node owns; tells each
     * previous owner when the transaction commits; returns the queue rows of each device taken (an entry for every
     * one, empty when it has no rows).
     */
    static Map<String, Map<StateKey, byte[]>> takeAll(Connection connection, String origin, List<String> devices,
                                                      boolean abandonedOnly) throws SQLException {
        Array asked = connection.createArrayOf("text", devices.toArray());
        try (PreparedStatement placeholders = connection.prepareStatement(PLACEHOLDERS)) {
            placeholders.setArray(1, asked);
            placeholders.executeUpdate();
        }
        List<String> taken = new ArrayList<>();
        List<String> channels = new ArrayList<>();
        List<String> releases = new ArrayList<>();
        try (PreparedStatement owners = connection.prepareStatement(OWNERS)) {
            owners.setArray(1, asked);
            try (ResultSet row = owners.executeQuery()) {
                while (row.next()) {
                    String device = row.getString(1);
                    String previous = row.getString(2);
                    boolean unowned = previous.isEmpty() || !row.getBoolean(3);
                    if (abandonedOnly && !unowned) {
                        continue; // another node was first, or the owner is alive after all
                    }
                    taken.add(device);
                    if (!previous.isEmpty() && !previous.equals(origin)) {
                        channels.add(OwnershipWorker.channelOf(previous));
                        releases.add("release " + device);
                    }
                }
            }
        }
        Map<String, Map<StateKey, byte[]>> entries = new HashMap<>();
        if (taken.isEmpty()) {
            return entries;
        }
        Array ids = connection.createArrayOf("text", taken.toArray());
        try (PreparedStatement take = connection.prepareStatement(TAKE_ALL)) {
            take.setString(1, origin);
            take.setArray(2, ids);
            take.executeUpdate();
        }
        OwnershipWorker.notifyAll(connection, channels, releases);
        taken.forEach(device -> entries.put(device, new HashMap<>()));
        try (PreparedStatement rows = connection.prepareStatement(DEVICES_ROWS)) {
            rows.setArray(1, ids);
            rows.setArray(2, connection.createArrayOf("smallint", DEVICE_KINDS));
            read(rows).forEach((key, value) -> entries.get(key.owner()).put(key, value));
        }
        return entries;
    }

    /** Every node's feedback records. */
    static Map<StateKey, byte[]> feedbackRecords(Connection connection) throws SQLException {
        try (PreparedStatement rows = connection.prepareStatement(FEEDBACK_RECORDS)) {
            return read(rows);
        }
    }

    private static Map<StateKey, byte[]> read(PreparedStatement query) throws SQLException {
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
}
