package io.gatehouse.it;

import io.gatehouse.core.auth.SasTokens;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.qpid.protonj2.client.Client;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.ConnectionOptions;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.Tracker;
import org.apache.qpid.protonj2.client.exceptions.ClientException;

/**
 * A device sending telemetry over AMQP (plain listener, SASL PLAIN {@code {id}@sas.{hub}} with its SAS token) to
 * {@code /devices/{id}/messages/events}: what the IoT device SDK does, on a port the test chooses.
 */
final class AmqpDevice implements AutoCloseable {

    private final Client client = Client.create();
    private final Connection connection;
    private final Sender sender;

    AmqpDevice(GatewayProcess gateway, String deviceId, String key) throws ClientException {
        String token = SasTokens.deviceToken("localhost", deviceId, key, Instant.now().plusSeconds(3600));
        ConnectionOptions options = new ConnectionOptions().user(deviceId + "@sas.gatehouse").password(token);
        options.saslOptions().addAllowedMechanism("PLAIN");
        connection = client.connect("127.0.0.1", gateway.port("amqp-plain"), options);
        sender = connection.openSender("/devices/" + deviceId + "/messages/events");
    }

    /** Sends one event and waits until the gateway accepted it (stored). */
    void send(byte[] body, String messageId, String correlationId, String contentType, String contentEncoding,
              Map<String, String> properties) throws Exception {
        Message<byte[]> message = Message.create(body);
        message.messageId(messageId).correlationId(correlationId).contentType(contentType).contentEncoding(contentEncoding);
        for (Map.Entry<String, String> p : properties.entrySet()) {
            message.property(p.getKey(), p.getValue());
        }
        Tracker tracker = sender.send(message);
        tracker.awaitSettlement(10, TimeUnit.SECONDS);
        if (!tracker.remoteState().isAccepted()) {
            throw new AssertionError("event " + messageId + " not accepted: " + tracker.remoteState());
        }
    }

    @Override
    public void close() {
        connection.close();
        client.close();
    }
}
