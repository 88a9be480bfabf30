package io.gatehouse.cluster;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread holding a PostgreSQL connection in {@code LISTEN} on one channel, handing each notification's payload
 * to a handler. Notifications sent while the connection is down are lost: after reconnecting, the handler is told
 * so ({@link Handler#missed}) and can read again what it may have missed.
 */
final class ChannelListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChannelListener.class);
    private static final long POLL_MILLIS = 500;
    private static final long RETRY_MILLIS = 1000;

    interface Handler {
        /** One notification, on the listening connection (the handler may query on it). */
        void notified(Connection connection, String payload) throws SQLException;

        /** The connection was lost and is back: notifications of the gap are gone. */
        void missed(Connection connection) throws SQLException;
    }

    private final PostgresSettings settings;
    private final String channel;
    private final Thread thread;
    /** The connection that listened since {@link #open}; the thread's own after that. */
    private Connection firstConnection;
    private volatile Handler handler;
    private volatile boolean closed;

    private ChannelListener(PostgresSettings settings, String channel, Connection listening, String threadName) {
        this.settings = settings;
        this.channel = channel;
        this.firstConnection = listening;
        this.thread = new Thread(this::listen, threadName);
        thread.setDaemon(true);
    }

    /** Listens from now on; what arrives before {@link #start} waits in the connection. */
    static ChannelListener open(PostgresSettings settings, String channel, String threadName) throws SQLException {
        return new ChannelListener(settings, channel, listeningConnection(settings, channel), threadName);
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

    String channel() {
        return channel;
    }

    void start(Handler handler) {
        this.handler = handler;
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
                    LOG.info("Listening on {} again", channel);
                    handler.missed(connection);
                    reconnecting = false;
                }
                PGConnection notifications = connection.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] received = notifications.getNotifications((int) POLL_MILLIS);
                    if (received != null) {
                        for (PGNotification n : received) {
                            handler.notified(connection, n.getParameter());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                if (!reconnecting) {
                    LOG.warn("Lost the PostgreSQL channel {} at {}: {}; retrying every {} ms", channel, settings.where(),
                            e.getMessage(), RETRY_MILLIS);
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
            LOG.debug("Closing the connection listening on a channel: {}", e.toString());
        }
    }
}
