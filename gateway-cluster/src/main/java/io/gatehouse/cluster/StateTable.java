package io.gatehouse.cluster;

import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore.StateVisitor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The SQL of the state table: apply net changes, scan every row. */
final class StateTable {

    private static final String UPSERT = "INSERT INTO gatehouse_state (kind, owner, id, value) VALUES (?, ?, ?, ?)"
            + " ON CONFLICT (kind, owner, id) DO UPDATE SET value = EXCLUDED.value";
    private static final String DELETE = "DELETE FROM gatehouse_state WHERE kind = ? AND owner = ? AND id = ?";
    private static final String GET = "SELECT value FROM gatehouse_state WHERE kind = ? AND owner = ? AND id = ?";
    private static final String SCAN = "SELECT kind, owner, id, value FROM gatehouse_state";
    private static final String SCAN_KIND = SCAN + " WHERE kind = ?";
    private static final int SCAN_FETCH_SIZE = 1000;

    private StateTable() {
    }

    /**
     * Writes the final value of each key ({@link NetChanges#DELETED} for a delete) in the connection's current
     * transaction. Each key appears once, so the order of the statements does not matter.
     */
    static void apply(Connection connection, Map<StateKey, byte[]> changes) throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement(UPSERT);
             PreparedStatement delete = connection.prepareStatement(DELETE)) {
            int upserts = 0;
            int deletes = 0;
            for (Map.Entry<StateKey, byte[]> change : changes.entrySet()) {
                StateKey key = change.getKey();
                boolean deleted = change.getValue() == NetChanges.DELETED;
                PreparedStatement statement = deleted ? delete : upsert;
                statement.setShort(1, (short) key.kindCode());
                statement.setString(2, key.owner());
                statement.setLong(3, key.id());
                if (deleted) {
                    deletes++;
                } else {
                    statement.setBytes(4, change.getValue());
                    upserts++;
                }
                statement.addBatch();
            }
            if (upserts > 0) {
                upsert.executeBatch();
            }
            if (deletes > 0) {
                delete.executeBatch();
            }
        }
    }

    /** The values of {@code keys}, in order; null for a key without a row. */
    static List<byte[]> read(Connection connection, List<StateKey> keys) throws SQLException {
        List<byte[]> values = new ArrayList<>(keys.size());
        try (PreparedStatement get = connection.prepareStatement(GET)) {
            for (StateKey key : keys) {
                get.setShort(1, (short) key.kindCode());
                get.setString(2, key.owner());
                get.setLong(3, key.id());
                try (ResultSet row = get.executeQuery()) {
                    values.add(row.next() ? row.getBytes(1) : null);
                }
            }
        }
        return values;
    }

    /** Visits every row, streamed with a cursor (the connection must not be in auto-commit). */
    static void forEach(Connection connection, StateVisitor visitor) throws SQLException {
        try (PreparedStatement scan = connection.prepareStatement(SCAN)) {
            scan.setFetchSize(SCAN_FETCH_SIZE);
            visitRows(scan, visitor);
        }
    }

    /** Visits the rows of one kind. */
    static void forEachOfKind(Connection connection, RecordKind kind, StateVisitor visitor) throws SQLException {
        try (PreparedStatement scan = connection.prepareStatement(SCAN_KIND)) {
            scan.setShort(1, (short) kind.code());
            visitRows(scan, visitor);
        }
    }

    private static void visitRows(PreparedStatement query, StateVisitor visitor) throws SQLException {
        try (ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                visitor.visit(StateKey.decode(rows.getShort(1), rows.getString(2), rows.getLong(3)), rows.getBytes(4));
            }
        }
    }
}
