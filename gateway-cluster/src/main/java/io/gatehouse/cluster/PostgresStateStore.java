package io.gatehouse.cluster;

import io.gatehouse.core.store.DeviceOwnership;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.StoreException;
import io.gatehouse.core.store.WriteBatch;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The core's state in one PostgreSQL table (see {@link StateSchema}). One writer thread takes the batches
 * in the order they were written and commits whatever is queued, up to {@value #MAX_GROUP} batches, as one
 * transaction (group commit: one WAL flush for many batches); it completes their futures in order once the
 * commit returned. A batch is atomic because its whole group is; when a commit fails, every batch of the
 * group fails, and the writer reconnects at once.
 *
 * <p>When it cannot reconnect, PostgreSQL is unreachable: the store says so ({@link #unavailability}), refuses
 * writes at once with SERVER_BUSY instead of queueing them behind a connect timeout, and tries to connect again
 * every {@value #PROBE_MILLIS} ms until it can; then it takes writes again by itself.
 */
public final class PostgresStateStore implements StateStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresStateStore.class);
    static final int MAX_GROUP = 512;
    static final long PROBE_MILLIS = 1000;
    private static final Pending CLOSE = new Pending(null, null, false);

    /** A batch to commit, or (with {@code catchUp}) an empty one whose future waits for the registry feed's mark. */
    private record Pending(WriteBatch batch, CompletableFuture<Void> done, boolean catchUp) {
    }

    private final PostgresSettings settings;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final RegistryFeed registryFeed;
    private final PostgresOwnership ownership;
    private Connection connection;
    private boolean closed;
    /** Why PostgreSQL cannot be reached, or null while it can (written by the writer only). */
    private volatile String unreachable;

    private PostgresStateStore(PostgresSettings settings, Connection connection, RegistryFeed registryFeed,
                               PostgresOwnership ownership) {
        this.settings = settings;
        this.connection = connection;
        this.registryFeed = registryFeed;
        this.ownership = ownership;
        this.writer = new Thread(this::writeGroups, "postgres-state-writer");
        writer.setDaemon(true);
    }

    /**
     * Connects and creates or upgrades the schema.
     *
     * @throws StoreException when PostgreSQL cannot be reached or refuses (the message says which and where)
     */
    public static PostgresStateStore open(PostgresSettings settings) {
        try {
            Connection connection = settings.connect();
            // this store instance among the nodes: its announcements, its channel, the devices it owns
            String origin = UUID.randomUUID().toString();
            RegistryFeed feed = null;
            PostgresOwnership ownership = null;
            try {
                StateSchema.ensure(connection);
                feed = RegistryFeed.open(settings, connection, origin);
                ownership = PostgresOwnership.open(settings, origin, settings.clientId());
                connection.setAutoCommit(false);
            } catch (SQLException e) {
                if (feed != null) {
                    feed.close();
                }
                if (ownership != null) {
                    ownership.close();
                }
                connection.close();
                throw e;
            }
            PostgresStateStore store = new PostgresStateStore(settings, connection, feed, ownership);
            store.writer.start();
            return store;
        } catch (SQLException e) {
            throw new StoreException("cannot use PostgreSQL at " + settings.where() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public CompletableFuture<Void> write(WriteBatch batch) {
        return enqueue(batch, false);
    }

    /**
     * Other nodes' registry changes committed before now, heard: a mark of the registry feed rides on the next
     * group commit (one for every catch-up asked meanwhile), and the future completes when the feed hears it.
     */
    @Override
    public Optional<CompletableFuture<Void>> catchUp() {
        return Optional.of(enqueue(new WriteBatch(), true));
    }

    private CompletableFuture<Void> enqueue(WriteBatch batch, boolean catchUp) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (queue) {
            if (closed) {
                return CompletableFuture.failedFuture(new StoreException("the PostgreSQL state store is closed"));
            }
            String down = unreachable;
            if (down != null) {
                return CompletableFuture.failedFuture(StoreException.unavailable(down, null));
            }
            queue.add(new Pending(batch, done, catchUp));
        }
        return done;
    }

    /**
     * Reads the keys on a connection of its own, off the caller's thread. One connection per call: reads back
     * only queued content for receivers that attach to an offline backlog, not the hot path.
     */
    @Override
    public CompletableFuture<List<byte[]>> read(List<StateKey> keys) {
        synchronized (queue) {
            if (closed) {
                return CompletableFuture.failedFuture(new StoreException("the PostgreSQL state store is closed"));
            }
        }
        return CompletableFuture.supplyAsync(() -> {
            try (Connection reader = settings.connect()) {
                return StateTable.read(reader, keys);
            } catch (SQLException e) {
                throw new StoreException("cannot read state from PostgreSQL at " + settings.where() + ": " + e.getMessage(), e);
            }
        });
    }

    /** Reads every row on a connection of its own (called once, at start, before any write). */
    @Override
    public void forEachLive(StateVisitor visitor) {
        try (Connection scan = settings.connect()) {
            scan.setAutoCommit(false);
            StateTable.forEach(scan, visitor);
            scan.commit();
        } catch (SQLException e) {
            throw new StoreException("cannot read the state from PostgreSQL at " + settings.where() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Other nodes' changes of the rows every node keeps a copy of (devices, modules, access policies, twins, sessions,
     * checkpoints), announced when they commit (see {@link RegistryFeed}).
     */
    @Override
    public void onChangedElsewhere(StateVisitor listener) {
        registryFeed.start(listener);
    }

    @Override
    public Optional<String> unavailability() {
        return Optional.ofNullable(unreachable);
    }

    /** Which node owns each device's queue: claims, service calls run on the owner, fencing (see {@link PostgresOwnership}). */
    @Override
    public PostgresOwnership ownership() {
        return ownership;
    }

    /** Commits what was written before, then stops the writer and disconnects. */
    @Override
    public void close() {
        synchronized (queue) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(CLOSE);
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        registryFeed.close();
        ownership.close();
    }

    private void writeGroups() {
        List<Pending> group = new ArrayList<>(MAX_GROUP);
        boolean closing = false;
        try {
            while (!closing) {
                Pending first = unreachable == null ? queue.take() : queue.poll(PROBE_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    reconnect();
                    continue;
                }
                group.add(first);
                queue.drainTo(group, MAX_GROUP - 1);
                closing = group.remove(CLOSE);
                if (!group.isEmpty()) {
                    commit(group);
                }
                group.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            disconnect();
        }
    }

    private void commit(List<Pending> group) {
        CompletableFuture<Void> heard;
        NetChanges changes = new NetChanges();
        group.forEach(pending -> changes.add(pending.batch()));
        try {
            connectIfNeeded();
            Set<String> devices = ownersOf(changes.byKey().keySet());
            if (!devices.isEmpty()) {
                Set<String> owned = ownership.owned(connection, devices);
                if (owned.size() < devices.size()) {
                    connection.rollback();
                    commitOwned(group, owned);
                    return;
                }
            }
            StateTable.apply(connection, changes.byKey());
            registryFeed.announce(connection, changes.byKey());
            heard = group.stream().anyMatch(Pending::catchUp) ? registryFeed.announceMark(connection) : null;
            connection.commit();
        } catch (SQLException e) {
            LOG.warn("PostgreSQL did not commit {} state batches: {}", group.size(), e.getMessage());
            disconnect();
            // reconnect before failing the group: whoever sees the failure sees whether PostgreSQL is reachable
            reconnect();
            String why = "PostgreSQL did not commit the change: " + e.getMessage();
            StoreException failure = isConnectionFailure(e) ? StoreException.unavailable(why, e) : new StoreException(why, e);
            group.forEach(pending -> pending.done().completeExceptionally(failure));
            return;
        }
        for (Pending pending : group) {
            if (pending.catchUp()) {
                heard.whenComplete((ok, failure) -> settle(pending.done(), failure));
            } else {
                pending.done().complete(null);
            }
        }
    }

    private static void settle(CompletableFuture<Void> done, Throwable failure) {
        if (failure == null) {
            done.complete(null);
        } else {
            done.completeExceptionally(failure);
        }
    }

    /** What owns the rows {@code keys} change (devices, the feedback queue): this node must own it. */
    private static Set<String> ownersOf(Collection<StateKey> keys) {
        Set<String> owners = new HashSet<>();
        for (StateKey key : keys) {
            String owner = DeviceOwnership.ownerOf(key);
            if (owner != null) {
                owners.add(owner);
            }
        }
        return owners;
    }

    /**
     * Fencing: refuses the batches that change rows of queues this node no longer owns (another node claimed them)
     * and commits the others; a claim between the two attempts refuses more on the next.
     */
    private void commitOwned(List<Pending> group, Set<String> owned) {
        List<Pending> allowed = new ArrayList<>(group.size());
        for (Pending pending : group) {
            String lost = pending.batch().ops().stream().map(op -> DeviceOwnership.ownerOf(op.key()))
                    .filter(owner -> owner != null && !owned.contains(owner)).findFirst().orElse(null);
            if (lost == null) {
                allowed.add(pending);
            } else {
                ownership.lost(lost);
                pending.done().completeExceptionally(StoreException.notOwner(
                        lost + " is owned by another node now: this node may no longer change its queue"));
            }
        }
        if (!allowed.isEmpty()) {
            commit(allowed);
        }
    }

    /** Connects for the next group; when that fails, PostgreSQL is unreachable until a later attempt succeeds. */
    private void reconnect() {
        try {
            connectIfNeeded();
            if (unreachable != null) {
                LOG.info("PostgreSQL at {} is reachable again: taking state changes", settings.where());
                unreachable = null;
            }
        } catch (SQLException e) {
            disconnect();
            if (unreachable == null) {
                LOG.warn("PostgreSQL at {} is unreachable ({}): refusing state changes, trying again every {} ms",
                        settings.where(), e.getMessage(), PROBE_MILLIS);
            }
            unreachable = "PostgreSQL at " + settings.where() + " is unreachable: " + e.getMessage();
        }
    }

    private void connectIfNeeded() throws SQLException {
        if (connection == null) {
            connection = settings.connect();
            connection.setAutoCommit(false);
        }
    }

    /** The connection broke or could not be made (SQL state class 08), or the server is shutting down (57P). */
    private static boolean isConnectionFailure(SQLException e) {
        String state = e.getSQLState();
        return e instanceof SQLTransientConnectionException || e instanceof SQLNonTransientConnectionException
                || state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    /** Drops the connection (after a failure its transaction state is unknown): the next group opens another. */
    private void disconnect() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing a broken connection: nothing more to learn
            }
            connection = null;
        }
    }
}
