package io.gatehouse.bench.load;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.qpid.protonj2.client.Client;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.ConnectionOptions;
import org.apache.qpid.protonj2.client.Delivery;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.exceptions.ClientException;

/** AMQP 1.0 connections of the load generator (Qpid protonj2 client), with IoT Hub's claims-based auth. */
public final class Amqp {

    private static final Client CLIENT = Client.create();

    private Amqp() {
    }

    /**
     * The load generator never gives up on a connection for want of frames (0: no idle timeout). The client's
     * default (one minute) closed the service connection of an Artemis busy queueing the offline backlog on its
     * one core, and so did ten minutes; the scenarios' own timeouts decide when a broker is stuck.
     */
    static final long IDLE_TIMEOUT_MILLIS = 0;

    /** A plain-TCP connection; SASL ANONYMOUS when the broker offers it (both Gatehouse and Artemis do). */
    public static Connection connect(String host, int port) throws ClientException {
        ConnectionOptions options = new ConnectionOptions().idleTimeout(IDLE_TIMEOUT_MILLIS);
        options.saslOptions().addAllowedMechanism("ANONYMOUS");
        Connection c = CLIENT.connect(host, port, options);
        try {
            c.openFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            c.close();
            throw new IllegalStateException("AMQP connection to " + host + ":" + port + " failed: " + e, e);
        }
        return c;
    }

    /**
     * IoT Hub's put-token on {@code $cbs} (docs/protocols.md#amqp-10): the reply's {@code status-code} must be 200. Links the token
     * covers may be attached afterwards.
     */
    public static void putToken(Connection connection, String audience, String token) throws Exception {
        Sender cbsSender = connection.openSender("$cbs");
        Receiver cbsReceiver = connection.openReceiver("$cbs");
        UUID requestId = UUID.randomUUID();
        Message<String> request = Message.create(token).messageId(requestId).replyTo("cbs")
                .property("operation", "put-token").property("type", "servicebus.windows.net:sastoken")
                .property("name", audience);
        cbsSender.send(request).awaitSettlement(30, TimeUnit.SECONDS);
        Delivery reply = cbsReceiver.receive(30, TimeUnit.SECONDS);
        if (reply == null) {
            throw new IllegalStateException("no put-token reply within 30 s");
        }
        Object status = reply.message().property("status-code");
        reply.accept();
        if (!(status instanceof Number) || ((Number) status).intValue() != 200) {
            throw new IllegalStateException("put-token for " + audience + " answered " + status
                    + " " + reply.message().property("status-description"));
        }
    }
}
