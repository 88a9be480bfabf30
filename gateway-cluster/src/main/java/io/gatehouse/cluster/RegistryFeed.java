package io.gatehouse.cluster;

import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore.StateVisitor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every node's copy of the device registry current. The writer announces each committed change of a
 * registry row with PostgreSQL's {@code NOTIFY} (sent by the server only when the transaction commits); one
 * thread per node {@code LISTEN}s, reads the row as it is now and hands it to the core. A node ignores its own
 * announcements (each store instance has a random origin id, so nodes may share a node name).
 *
 * <p>The channel is named after the connection's schema, so hubs in separate schemas of one database never hear
 * each other. A notification is lost while the listening connection is down; after reconnecting, the feed reads
 * every registry row again and hands them all over (the core ignores those it already has).
 */
final class RegistryFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryFeed.class);
    private static final String ANNOUNCE = "SELECT pg_notify(?, ?)";
    private static final long POLL_MILLIS = 500;
    private static final long RETRY_MILLIS = 1000;

    private final PostgresSettings settings;
    private final String channel;
    private final String origin = UUID.randomUUID().toString();
    private final Thread thread;
    private volatile StateVisitor listener;
    private volatile boolean closed;

    private RegistryFeed(PostgresSettings settings, String channel) {
        this.settings = settings;
        this.channel = channel;
        this.thread = new Thread(this::listen, "postgres-registry-feed");
        thread.setDaemon(true);
    }

    /** The feed of the schema {@code connection} works in; nothing is heard before {@link #start}. */
    static RegistryFeed of(PostgresSettings settings, Connection connection) throws SQLException {
        try (Statement s = connection.createStatement(); var row = s.executeQuery("SELECT current_schema()")) {
            row.next();
            // LISTEN takes an identifier of at most 63 bytes: the schema name is hashed into it
            return new RegistryFeed(settings, "gatehouse_registry_" + Integer.toHexString(row.getString(1).hashCode()));
        }
    }

    static boolean announces(StateKey key) {
        return key.kind() == RecordKind.DEVICE;
    }

    /** Announces, in the writer's open transaction, the registry rows among {@code changes}. */
    void announce(Connection connection, Map<StateKey, byte[]> changes) throws SQLException {
        if (changes.keySet().stream().noneMatch(RegistryFeed::announces)) {
            return;
        }
        try (PreparedStatement announce = connection.prepareStatement(ANNOUNCE)) {
            for (StateKey key : changes.keySet()) {
                if (announces(key)) {
                    announce.setString(1, channel);
                    announce.setString(2, origin + " " + key.kindCode() + " " + key.id() + " " + key.owner());
                    announce.addBatch();
                }
            }
            announce.executeBatch();
        }
    }

    /** Starts listening; {@code listener} is told each change another node made (value null: deleted). */
    void start(StateVisitor listener) {
        this.listener = listener;
        thread.start();
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(POLL_MILLIS * 4);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void listen() {
        boolean reconnecting = false;
        while (!closed) {
            try (Connection connection = settings.connect()) {
                try (Statement s = connection.createStatement()) {
                    s.execute("LISTEN " + channel);
                }
                if (reconnecting) {
                    LOG.info("Listening for registry changes again; reading the whole registry once for what was missed");
                    replayRegistry(connection);
                    reconnecting = false;
                }
                PGConnection notifications = connection.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] received = notifications.getNotifications((int) POLL_MILLIS);
                    if (received != null) {
                        for (PGNotification n : received) {
                            handle(connection, n.getParameter());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                if (!reconnecting) {
                    LOG.warn("Lost the registry change feed from PostgreSQL at {}: {}; retrying every {} ms",
                            settings.where(), e.getMessage(), RETRY_MILLIS);
                    reconnecting = true;
                }
                try {
                    Thread.sleep(RETRY_MILLIS); // the retry interval of a broken connection, not a synchronization
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** {@code origin kind id owner}: the owner last, as it is the one part that may hold spaces. */
    private void handle(Connection connection, String payload) throws SQLException {
        String[] parts = payload.split(" ", 4);
        if (parts.length < 4 || parts[0].equals(origin)) {
            return;
        }
        StateKey key = StateKey.decode(Integer.parseInt(parts[1]), parts[3], Long.parseLong(parts[2]));
        List<byte[]> value = StateTable.read(connection, List.of(key));
        listener.visit(key, value.get(0));
    }

    private void replayRegistry(Connection connection) throws SQLException {
        StateTable.forEachOfKind(connection, RecordKind.DEVICE, listener);
    }
}
