package io.gatehouse.cluster;

import io.gatehouse.core.events.OwnerLevelConflictException;
import io.gatehouse.core.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread and PostgreSQL connection a node's ownership work runs on (claims, placements, heartbeats,
 * takeovers), and the notifications it sends to other nodes: everything queued for notification goes in one
 * statement and one commit. A failed statement drops the connection; the next piece of work opens another.
 */
final class OwnershipWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OwnershipWorker.class);
    private static final String NOTIFY = "SELECT pg_notify(?, ?)";
    private static final String NOTIFY_ALL = "SELECT pg_notify(c, p) FROM unnest(?::text[], ?::text[]) AS t(c, p)";

    /** Work on the worker's connection, which is not in auto-commit. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** A notification to send, and what to do when it could not be. */
    private record Note(String channel, String payload, Runnable failed) {
    }

    private final PostgresSettings settings;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "postgres-ownership");
        t.setDaemon(true);
        return t;
    });
    private final Queue<Note> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    /** The worker thread's only. */
    private Connection connection;

    OwnershipWorker(PostgresSettings settings) {
        this.settings = settings;
    }

    /** A node's channel: derived from its origin, which is unique, so hubs in other schemas never share one. */
    static String channelOf(String origin) {
        return "gatehouse_node_" + origin.replace("-", "");
    }

    /** Notifies {@code channel} in the transaction open on {@code connection}: delivered when it commits. */
    static void notify(Connection connection, String channel, String payload) throws SQLException {
        try (PreparedStatement notify = connection.prepareStatement(NOTIFY)) {
            notify.setString(1, channel);
            notify.setString(2, payload);
            notify.executeQuery().close();
        }
    }

    /** Notifies each of {@code channels} of the payload at the same place, in the open transaction; nothing when empty. */
    static void notifyAll(Connection connection, List<String> channels, List<String> payloads) throws SQLException {
        if (channels.isEmpty()) {
            return;
        }
        try (PreparedStatement notify = connection.prepareStatement(NOTIFY_ALL)) {
            notify.setArray(1, connection.createArrayOf("text", channels.toArray()));
            notify.setArray(2, connection.createArrayOf("text", payloads.toArray()));
            notify.executeQuery().close();
        }
    }

    /**
     * Runs {@code work} on the worker. A failed statement fails the future as PostgreSQL being unavailable; a refusal
     * (an {@link OwnerLevelConflictException}) rolls back and reaches the caller as itself.
     */
    <T> CompletableFuture<T> submit(Work<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    result.complete(work.run(connection()));
                } catch (OwnerLevelConflictException e) {
                    rollbackQuietly();
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

    /** Runs {@code work} on the worker as one transaction. */
    <T> CompletableFuture<T> transaction(Work<T> work) {
        return submit(connection -> commitAfter(connection, work));
    }

    /** On the worker thread: {@code work} as one transaction. */
    <T> T inTransaction(Work<T> work) throws SQLException {
        return commitAfter(connection(), work);
    }

    private static <T> T commitAfter(Connection connection, Work<T> work) throws SQLException {
        T result = work.run(connection);
        connection.commit();
        return result;
    }

    /** Queues a notification; the worker sends everything queued in one statement and one commit. */
    void post(String channel, String payload, Runnable failed) {
        outbox.add(new Note(channel, payload, failed));
        if (draining.compareAndSet(false, true)) {
            try {
                thread.execute(this::sendOutbox);
            } catch (RejectedExecutionException e) {
                failed.run();
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
            Connection c = connection();
            notifyAll(c, notes.stream().map(Note::channel).toList(), notes.stream().map(Note::payload).toList());
            c.commit();
        } catch (SQLException e) {
            disconnect();
            LOG.warn("PostgreSQL did not take {} notifications to other nodes: {}", notes.size(), e.getMessage());
            notes.forEach(note -> note.failed().run());
        }
    }

    void execute(Runnable task) {
        thread.execute(task);
    }

    void after(long millis, Runnable task) {
        thread.schedule(task, millis, TimeUnit.MILLISECONDS);
    }

    void every(long initialMillis, long millis, Runnable task) {
        thread.scheduleWithFixedDelay(task, initialMillis, millis, TimeUnit.MILLISECONDS);
    }

    /** The worker thread's connection, opened when there is none. */
    Connection connection() throws SQLException {
        if (connection == null) {
            connection = settings.connect();
            connection.setAutoCommit(false);
        }
        return connection;
    }

    /** Drops the connection after a failure: its transaction state is unknown. */
    void disconnect() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // a broken connection: nothing more to learn
            }
            connection = null;
        }
    }

    private void rollbackQuietly() {
        try {
            connection().rollback();
        } catch (SQLException e) {
            disconnect();
        }
    }

    /** Runs {@code last} on the worker, waits for it (at most {@code millis}), and stops the thread. */
    void finish(Runnable last, long millis) {
        try {
            thread.submit(() -> {
                last.run();
                disconnect();
            }).get(millis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("Leaving the cluster: {}", e.toString());
        }
        thread.shutdownNow();
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
