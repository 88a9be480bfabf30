package io.gatehouse.amqp;

import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.qpid.protonj2.client.Client;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.ConnectionOptions;
import org.apache.qpid.protonj2.client.Delivery;
import org.apache.qpid.protonj2.client.Link;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.exceptions.ClientException;
import org.apache.qpid.protonj2.client.exceptions.ClientResourceRemotelyClosedException;

/** protonj2 client helpers: connections in each security mode, put-token, link refusals. */
final class AmqpClients implements AutoCloseable {

    private final Client client = Client.create();

    Connection anonymous(int port) throws ClientException {
        return anonymous(port, new ConnectionOptions());
    }

    Connection anonymous(int port, ConnectionOptions options) throws ClientException {
        options.saslOptions().addAllowedMechanism("ANONYMOUS");
        return open(client.connect("127.0.0.1", port, options));
    }

    Connection noSasl(int port) throws ClientException {
        ConnectionOptions options = new ConnectionOptions();
        options.saslOptions().saslEnabled(false);
        return open(client.connect("127.0.0.1", port, options));
    }

    Connection plain(int port, String user, String password) throws ClientException {
        ConnectionOptions options = new ConnectionOptions().user(user).password(password);
        options.saslOptions().addAllowedMechanism("PLAIN");
        return open(client.connect("127.0.0.1", port, options));
    }

    private static Connection open(Connection connection) throws ClientException {
        await(connection.openFuture());
        return connection;
    }

    /** The $cbs request/response pair of one connection. */
    static final class Cbs {
        final Sender requests;
        final Receiver replies;

        Cbs(Connection connection) throws ClientException {
            requests = connection.openSender("$cbs");
            replies = connection.openReceiver("$cbs");
            await(requests.openFuture());
            await(replies.openFuture());
        }

        /** Sends a put-token and returns the reply (after checking it correlates). */
        Message<?> putToken(String name, String token) throws ClientException {
            UUID id = UUID.randomUUID();
            Message<String> request = Message.create(token).messageId(id).to("$cbs").replyTo("cbs")
                    .property("operation", "put-token").property("type", "servicebus.windows.net:sastoken")
                    .property("name", name);
            requests.send(request);
            Delivery reply = replies.receive(10, TimeUnit.SECONDS);
            if (reply == null) {
                throw new AssertionError("no put-token reply");
            }
            Message<?> message = reply.message();
            reply.accept();
            if (!id.equals(message.correlationId())) {
                throw new AssertionError("reply correlation-id " + message.correlationId() + " is not " + id);
            }
            return message;
        }

        int putTokenStatus(String name, String token) throws ClientException {
            return (Integer) putToken(name, token).property("status-code");
        }
    }

    static <T> T await(java.util.concurrent.Future<T> future) throws ClientException {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ClientException c) {
                throw c;
            }
            throw new AssertionError(e);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The condition the peer refused a link with, or null if it opened. */
    static String refusal(Link<?> link) {
        try {
            await(link.openFuture());
            return null;
        } catch (ClientResourceRemotelyClosedException e) {
            return e.getErrorCondition() == null ? "(none)" : e.getErrorCondition().condition();
        } catch (ClientException e) {
            throw new AssertionError("expected a remote refusal, got " + e, e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
