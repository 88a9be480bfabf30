package io.gatehouse.bench.load;

import io.gatehouse.bench.broker.GatehouseDialect;
import io.gatehouse.bench.broker.PeerDialect;
import io.gatehouse.bench.broker.RunningBroker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.DeliveryState;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.Tracker;
import org.apache.qpid.protonj2.client.exceptions.ClientOperationTimedOutException;

/**
 * C2D over AMQP with one sender link and the target device in each message's {@code to}: Gatehouse's
 * {@code /messages/devicebound} endpoint (after a service put-token), or an anonymous-relay sender on Artemis with
 * the device's MQTT topic address. Messages are durable and sent unsettled.
 */
public final class AmqpC2dService implements C2dService {

    private final Connection connection;
    private final Sender sender;
    private final Function<String, String> to;
    private final boolean gatehouse;
    /** Sent, not yet settled by the broker, oldest first; only the sending thread touches it. */
    private final ArrayDeque<Tracker> unsettled = new ArrayDeque<>();
    private long failures;

    private AmqpC2dService(Connection connection, Sender sender, Function<String, String> to, boolean gatehouse) {
        this.connection = connection;
        this.sender = sender;
        this.to = to;
        this.gatehouse = gatehouse;
    }

    public static AmqpC2dService open(RunningBroker broker) throws Exception {
        Connection c = Amqp.connect(broker.host(), broker.amqpPort());
        try {
            if (broker.dialect() instanceof GatehouseDialect g) {
                Amqp.putToken(c, g.hostName(), g.serviceToken());
                return new AmqpC2dService(c, c.openSender("/messages/devicebound"),
                        id -> "/devices/" + id + "/messages/devicebound", true);
            }
            return new AmqpC2dService(c, c.openAnonymousSender(), PeerDialect::artemisC2dAddress, false);
        } catch (Exception e) {
            c.close();
            throw e;
        }
    }

    @Override
    public void send(String deviceId, int sequence, byte[] body) throws Exception {
        Message<byte[]> m = Message.create(body).durable(true).to(to.apply(deviceId)).messageId("c2d-" + sequence);
        unsettled.addLast(sender.send(m));
        drainSettled();
    }

    private void drainSettled() {
        while (!unsettled.isEmpty() && unsettled.peekFirst().remoteSettled()) {
            DeliveryState state = unsettled.pollFirst().remoteState();
            if (state == null || state.getType() != DeliveryState.Type.ACCEPTED) {
                failures++;
            }
        }
    }

    @Override
    public long failures() {
        return failures;
    }

    @Override
    public boolean awaitAcknowledged(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!unsettled.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                unsettled.peekFirst().awaitSettlement(left, TimeUnit.NANOSECONDS);
            } catch (ClientOperationTimedOutException e) {
                return false;
            }
            drainSettled();
        }
        return true;
    }

    @Override
    public String describe() {
        return gatehouse ? "service over AMQP (/messages/devicebound)" : "service over AMQP (anonymous relay to the MQTT topic address)";
    }

    @Override
    public void close() {
        connection.close();
    }
}
