package io.gatehouse.cluster;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The tables of the state, created or upgraded at start. The version in {@code gatehouse_schema} says which
 * migrations ran; nodes starting together take an advisory lock so that one of them runs them.
 */
final class StateSchema {

    /** Migration n brings the schema from version n to n + 1. Never edit one that was released: add one. */
    private static final List<String> MIGRATIONS = List.of(
            // one row per live entry: the core's StateKey (kind code, owner, id) and the stored value
            "CREATE TABLE gatehouse_state (kind smallint NOT NULL, owner text NOT NULL, id bigint NOT NULL,"
                    + " value bytea NOT NULL, PRIMARY KEY (kind, owner, id))",
            // device ownership: the live nodes (store instances) with their heartbeats, which one owns each device,
            // and the service calls one node hands to another
            "CREATE TABLE gatehouse_node (origin text PRIMARY KEY, node text NOT NULL, heartbeat timestamptz NOT NULL);"
                    + " CREATE TABLE gatehouse_owner (device text PRIMARY KEY, origin text NOT NULL);"
                    + " CREATE INDEX gatehouse_owner_origin ON gatehouse_owner (origin);"
                    + " CREATE TABLE gatehouse_call (id bigserial PRIMARY KEY, device text NOT NULL, reply_to text NOT NULL,"
                    + " token bigint NOT NULL, payload bytea NOT NULL)",
            // Event Hubs owner levels: which node's reader holds each consumer group's partition, at which level
            "CREATE TABLE gatehouse_reader (consumer_group text NOT NULL, partition integer NOT NULL, level bigint NOT NULL,"
                    + " origin text NOT NULL, PRIMARY KEY (consumer_group, partition))");
    static final int VERSION = MIGRATIONS.size();
    /** Any number, the same in every node: it names the lock. */
    private static final long MIGRATION_LOCK = 0x6761746568L;

    private StateSchema() {
    }

    static void ensure(Connection connection) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement s = connection.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
            s.execute("CREATE TABLE IF NOT EXISTS gatehouse_schema (version integer NOT NULL)");
            int version = currentVersion(s);
            if (version > VERSION) {
                throw new SQLException("the database holds schema version " + version + ", newer than this Gatehouse's "
                        + VERSION + ": upgrade Gatehouse");
            }
            for (int v = version; v < VERSION; v++) {
                s.execute(MIGRATIONS.get(v));
            }
            if (version < VERSION) {
                s.execute("DELETE FROM gatehouse_schema");
                s.execute("INSERT INTO gatehouse_schema (version) VALUES (" + VERSION + ")");
            }
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** The schema the connection creates and reads tables in. */
    static String currentSchema(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet row = s.executeQuery("SELECT current_schema()")) {
            row.next();
            return row.getString(1);
        }
    }

    private static int currentVersion(Statement s) throws SQLException {
        try (ResultSet rows = s.executeQuery("SELECT max(version) FROM gatehouse_schema")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
