package io.gatehouse.cluster;

import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore.StateVisitor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every node's copy of the identity registry (devices, modules, shared access policies), of device twins, of
 * persistent sessions and of consumer-group checkpoints current. The
 * writer announces each committed change of such a row with PostgreSQL's {@code NOTIFY} (sent by the server only when the transaction commits); one
 * thread per node {@code LISTEN}s, reads the row as it is now and hands it to the core. A node ignores its own
 * announcements (each store instance has a random origin id, so nodes may share a node name).
 *
 * <p>The channel is named after the connection's schema, so hubs in separate schemas of one database never hear
 * each other. A notification is lost while the listening connection is down; after reconnecting, the feed reads
 * every registry row again and hands them all over (the core ignores those it already has).
 *
 * <p>Catching up (read-your-writes across nodes): the writer adds a <em>mark</em> of this feed's own to a
 * transaction; PostgreSQL delivers notifications in commit order and the feed handles them one by one, so when the
 * feed hears its mark, it has handed over every change committed before the mark's transaction.
 */
final class RegistryFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryFeed.class);

    private static final String ANNOUNCE = "SELECT pg_notify(?, ?)";
    private static final String MARK = "mark";
    /** The kinds of rows every node holds in memory: those whose changes are announced. */
    private static final Set<RecordKind> SHARED =
            EnumSet.of(RecordKind.DEVICE, RecordKind.MODULE, RecordKind.ACCESS_POLICY, RecordKind.TWIN, RecordKind.SESSION,
                    RecordKind.CHECKPOINT);

    private final ChannelListener channel;
    private final String origin;
    private volatile StateVisitor listener;
    private final AtomicLong marks = new AtomicLong();
    /** Marks announced and not heard yet, by number: a mark heard settles every earlier one too. */
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> unheard = new ConcurrentSkipListMap<>();

    private RegistryFeed(ChannelListener channel, String origin) {
        this.channel = channel;
        this.origin = origin;
    }

    /**
     * The feed of the schema {@code connection} works in, already listening: the store opens it before the
     * core reads the state, so no change committed after that read can go unheard. What arrives before
     * {@link #start} waits in the connection. {@code origin} names this store instance in its announcements.
     */
    static RegistryFeed open(PostgresSettings settings, Connection connection, String origin) throws SQLException {
        // LISTEN takes an identifier of at most 63 bytes: the schema name is hashed into it
        String name = "gatehouse_registry_" + Integer.toHexString(StateSchema.currentSchema(connection).hashCode());
        return new RegistryFeed(ChannelListener.open(settings, name, "postgres-registry-feed"), origin);
    }

    static boolean announces(StateKey key) {
        return SHARED.contains(key.kind());
    }

    /** Announces, in the writer's open transaction, the registry rows among {@code changes}. */
    void announce(Connection connection, Map<StateKey, byte[]> changes) throws SQLException {
        if (changes.keySet().stream().noneMatch(RegistryFeed::announces)) {
            return;
        }
        try (PreparedStatement announce = connection.prepareStatement(ANNOUNCE)) {
            for (StateKey key : changes.keySet()) {
                if (announces(key)) {
                    announce.setString(1, channel.channel());
                    announce.setString(2, origin + " " + key.kindCode() + " " + key.id() + " " + key.owner());
                    announce.addBatch();
                }
            }
            announce.executeBatch();
        }
    }

    /**
     * Announces, in the writer's open transaction, a mark of this feed's: the future completes when the feed has
     * heard it, so after every change committed before that transaction has been handed over. A mark whose
     * transaction does not commit is never heard: it is settled by the next one heard.
     */
    CompletableFuture<Void> announceMark(Connection connection) throws SQLException {
        long mark = marks.incrementAndGet();
        CompletableFuture<Void> heard = new CompletableFuture<>();
        unheard.put(mark, heard);
        try (PreparedStatement announce = connection.prepareStatement(ANNOUNCE)) {
            announce.setString(1, channel.channel());
            announce.setString(2, origin + " " + MARK + " " + mark);
            announce.execute();
        }
        return heard;
    }

    /**
     * Hands {@code listener} each change another node made since the store opened (value null: deleted), those
     * that waited meanwhile first.
     */
    void start(StateVisitor listener) {
        this.listener = listener;
        channel.start(new ChannelListener.Handler() {
            @Override
            public void notified(Connection connection, String payload) throws SQLException {
                handle(connection, payload);
            }

            @Override
            public void missed(Connection connection) throws SQLException {
                // the marks announced meanwhile may be lost: their waiters learn nothing (a refusal stands)
                settleMarks(Long.MAX_VALUE, new SQLException("the registry feed lost its connection"));
                LOG.info("Reading the whole registry once for the changes missed while the feed was down");
                for (RecordKind kind : SHARED) {
                    StateTable.forEachOfKind(connection, kind, listener);
                }
            }
        });
    }

    @Override
    public void close() {
        channel.close();
        settleMarks(Long.MAX_VALUE, new SQLException("the registry feed is closed"));
    }

    /**
     * {@code origin kind id owner}: the owner last, as it is the one part that may hold spaces; or {@code origin
     * mark n}, which only its origin heeds.
     */
    private void handle(Connection connection, String payload) throws SQLException {
        String[] parts = payload.split(" ", 4);
        if (parts[0].equals(origin)) {
            if (parts.length == 3 && parts[1].equals(MARK)) {
                settleMarks(Long.parseLong(parts[2]), null);
            }
            return;
        }
        if (parts.length < 4) {
            return;
        }
        StateKey key = StateKey.decode(Integer.parseInt(parts[1]), parts[3], Long.parseLong(parts[2]));
        List<byte[]> value = StateTable.read(connection, List.of(key));
        listener.visit(key, value.get(0));
    }

    /** Completes (or, with a failure, fails) the waiters of every unheard mark up to {@code last}. */
    private void settleMarks(long last, Exception failure) {
        Map.Entry<Long, CompletableFuture<Void>> first;
        while ((first = unheard.firstEntry()) != null && first.getKey() <= last) {
            CompletableFuture<Void> heard = unheard.remove(first.getKey());
            if (heard != null && failure == null) {
                heard.complete(null);
            } else if (heard != null) {
                heard.completeExceptionally(failure);
            }
        }
    }
}
