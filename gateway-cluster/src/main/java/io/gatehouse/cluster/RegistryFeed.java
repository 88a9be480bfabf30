package io.gatehouse.cluster;

import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore.StateVisitor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every node's copy of the identity registry (devices, modules, shared access policies) current. The
 * writer announces each committed change of such a row with PostgreSQL's {@code NOTIFY} (sent by the server only when the transaction commits); one
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
    /** The kinds of rows every node holds in memory: those whose changes are announced. */
    private static final Set<RecordKind> REGISTRY =
            EnumSet.of(RecordKind.DEVICE, RecordKind.MODULE, RecordKind.ACCESS_POLICY);

    private final PostgresSettings settings;
    private final String channel;
    private final String origin = UUID.randomUUID().toString();
    private final Thread thread;
    /** The connection that listened since {@link #open}; the thread's own after that. */
    private Connection firstConnection;
    private volatile StateVisitor listener;
    private volatile boolean closed;

    private RegistryFeed(PostgresSettings settings, String channel, Connection listening) {
        this.settings = settings;
        this.channel = channel;
        this.firstConnection = listening;
        this.thread = new Thread(this::listen, "postgres-registry-feed");
        thread.setDaemon(true);
    }

    /**
     * The feed of the schema {@code connection} works in, already listening: the store opens it before the
     * core reads the state, so no change committed after that read can go unheard. What arrives before
     * {@link #start} waits in the connection.
     */
    static RegistryFeed open(PostgresSettings settings, Connection connection) throws SQLException {
        try (Statement s = connection.createStatement(); var row = s.executeQuery("SELECT current_schema()")) {
            row.next();
            // LISTEN takes an identifier of at most 63 bytes: the schema name is hashed into it
            String channel = "gatehouse_registry_" + Integer.toHexString(row.getString(1).hashCode());
            return new RegistryFeed(settings, channel, listeningConnection(settings, channel));
        }
    }

    private static Connection listeningConnection(PostgresSettings settings, String channel) throws SQLException {
        Connection connection = settings.connect();
        try (Statement s = connection.createStatement()) {
            s.execute("LISTEN " + channel);
            return connection;
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
    }

    static boolean announces(StateKey key) {
        return REGISTRY.contains(key.kind());
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

    /**
     * Hands {@code listener} each change another node made since the store opened (value null: deleted), those
     * that waited meanwhile first.
     */
    void start(StateVisitor listener) {
        this.listener = listener;
        thread.start();
    }

    @Override
    public void close() {
        closed = true;
        if (!thread.isAlive()) {
            closeQuietly(firstConnection); // never started
            return;
        }
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
            Connection first = firstConnection;
            firstConnection = null;
            try (Connection connection = first != null ? first : listeningConnection(settings, channel)) {
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

    private static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("Closing the registry feed's connection: {}", e.toString());
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
        for (RecordKind kind : REGISTRY) {
            StateTable.forEachOfKind(connection, kind, listener);
        }
    }
}
