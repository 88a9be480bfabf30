package io.gatehouse.mqtt.flow;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.queue.CloudToDevice;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.DeliverySink;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.session.C2dDeliveryMode;
import io.gatehouse.mqtt.codec.PublishEncoder;
import io.gatehouse.mqtt.topic.DeviceTopics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cloud-to-device delivery to one connection (docs/messaging.md#the-lifecycle): a core {@link Receiver} on the device's queue whose
 * deliveries become PUBLISH packets on {@code devices/{id}/messages/devicebound/{bag}}.
 *
 * <ul>
 *   <li>At least once (subscription QoS 1): each PUBLISH gets a packet id mapped to its lock token; a PUBACK,
 *       in any order, completes that lock. There is no reject path: an MQTT device cannot reject.</li>
 *   <li>At most once (subscription QoS 0): the message is completed as soon as the PUBLISH is written.</li>
 *   <li>A lock the core takes back (lock timeout, expiry, purge) forgets its packet id: a later PUBACK for it
 *       is ignored. Stopping (unsubscribe, connection loss) closes the receiver, which abandons every lock at
 *       once, so nothing waits for a lock timeout.</li>
 *   <li>Flow control: the receiver's credit is the in-flight window. A credit comes back when a message
 *       leaves flight, and is handed to the core only while the channel is writable, so a slow device holds
 *       at most the window of messages in the gateway; the rest stay ENQUEUED in the core.</li>
 * </ul>
 * Event-loop confined; the core's callbacks hop onto the loop.
 */
public final class C2dFlow {

    private static final Logger log = LoggerFactory.getLogger(C2dFlow.class);

    private final CloudToDevice c2d;
    private final DeviceId device;
    private final DeviceTopics topics;
    private final Outbound out;
    private final ConnectionControl connection;
    private final Channel channel;
    private final EventExecutor loop;
    private final int window;
    private final PacketIds<LockToken> packetIds;
    private final Runnable grantTask = this::grantCredit;

    private Receiver receiver;
    private Sink sink;
    private C2dDeliveryMode mode;
    private int owedCredit;
    private boolean grantScheduled;
    private boolean withholding;

    public C2dFlow(CloudToDevice c2d, DeviceId device, DeviceTopics topics, Outbound out, ConnectionControl connection,
                   Channel channel, int window) {
        this.c2d = c2d;
        this.device = device;
        this.topics = topics;
        this.out = out;
        this.connection = connection;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.window = window;
        this.packetIds = new PacketIds<>(window);
    }

    public boolean isActive() {
        return receiver != null;
    }

    /** Messages sent and not yet acknowledged (at-least-once mode). */
    public int inFlight() {
        return packetIds.size();
    }

    /** Starts delivery in {@code mode}, or switches an active delivery to it (for the next messages). */
    public void start(C2dDeliveryMode deliveryMode) {
        assert loop.inEventLoop();
        this.mode = deliveryMode;
        if (receiver != null) {
            return;
        }
        Sink newSink = new Sink();
        try {
            receiver = c2d.openReceiver(device, newSink);
        } catch (GatewayException e) {
            connection.close("cannot receive C2D messages: " + e.getMessage());
            return;
        }
        sink = newSink;
        returnCredit(window);
    }

    /** Stops delivery: every message in flight is abandoned at once (it will be delivered again). */
    public void stop() {
        if (receiver == null) {
            return;
        }
        receiver.close();
        receiver = null;
        sink = null;
        packetIds.clear();
        owedCredit = 0;
    }

    /** The device acknowledged the PUBLISH with {@code packetId}: complete its message. */
    public void onPubAck(int packetId) {
        assert loop.inEventLoop();
        LockToken token = packetIds.release(packetId);
        if (token == null) {
            // already settled by a lock loss, or never sent: nothing to do, and nothing the device did wrong
            log.debug("Device {}: PUBACK for packet id {} that is not in flight, ignored", device, packetId);
            return;
        }
        settle(receiver, token);
        returnCredit(1);
    }

    /** The channel's writability changed: owed credit may go out now. */
    public void writabilityChanged() {
        if (channel.isWritable() && owedCredit > 0) {
            scheduleGrant();
        }
    }

    private void onDelivery(Sink from, Delivery delivery) {
        assert loop.inEventLoop();
        if (from != sink || connection.isClosing()) {
            return; // a receiver that was stopped: closing it abandoned this lock
        }
        LockToken token = delivery.lockToken();
        CharSequence topic = topics.c2dTopic(delivery.message());
        int topicBytes = PublishEncoder.topicBytes(topic);
        if (topicBytes > PublishEncoder.MAX_TOPIC_BYTES) {
            undeliverable(token, topicBytes);
            return;
        }
        boolean atLeastOnce = mode == C2dDeliveryMode.AT_LEAST_ONCE;
        MqttQoS qos = atLeastOnce ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        int packetId = atLeastOnce ? packetIds.allocate(token) : 0;
        ByteBuf publish = PublishEncoder.encode(channel.alloc(), topic, topicBytes, qos, packetId, delivery.message().body());
        if (atLeastOnce) {
            out.write(publish);
        } else {
            Receiver current = receiver;
            ChannelFuture written = out.writeWithResult(publish);
            written.addListener(result -> {
                // a failed write means the connection is going: its receiver's close abandons the lock
                if (result.isSuccess() && current == receiver) {
                    settle(current, token);
                    returnCredit(1);
                }
            });
        }
    }

    /**
     * A message whose properties make a topic longer than a PUBLISH can carry: no MQTT device can take it. It is
     * abandoned, so its delivery count grows until it is dead-lettered like any message that cannot be delivered.
     */
    private void undeliverable(LockToken token, int topicBytes) {
        log.warn("Device {}: a C2D message's properties make a topic of {} bytes, over MQTT's {}: abandoned, it "
                + "will be dead-lettered once its delivery count runs out", device, topicBytes, PublishEncoder.MAX_TOPIC_BYTES);
        receiver.abandon(token).whenComplete((ok, failure) -> {
            if (failure != null) {
                log.debug("Device {}: abandoning an undeliverable C2D message failed: {}", device, failure.toString());
            }
        });
        returnCredit(1);
    }

    private void onLockLost(Sink from, LockToken token) {
        assert loop.inEventLoop();
        if (from != sink) {
            return;
        }
        int packetId = packetIds.releaseValue(token);
        if (packetId != 0) {
            log.info("Device {}: lock of the C2D message in packet {} was lost (lock timeout or expiry); "
                    + "a later PUBACK for it is ignored", device, packetId);
            returnCredit(1);
        }
    }

    private void settle(Receiver owner, LockToken token) {
        owner.complete(token).whenComplete((ok, failure) -> {
            if (failure != null) {
                GatewayException refusal = GatewayException.unwrap(failure);
                log.info("Device {}: completing C2D message (lock {}) failed: {}", device, token,
                        refusal != null ? refusal.getMessage() : failure.toString());
            }
        });
    }

    private void returnCredit(int credit) {
        owedCredit += credit;
        scheduleGrant();
    }

    /** Credit goes to the core once per loop turn, not once per PUBACK. */
    private void scheduleGrant() {
        if (!grantScheduled) {
            grantScheduled = true;
            loop.execute(grantTask);
        }
    }

    private void grantCredit() {
        grantScheduled = false;
        if (receiver == null || owedCredit == 0) {
            return;
        }
        if (channel.isWritable()) {
            receiver.addCredit(owedCredit);
            owedCredit = 0;
            withholding = false;
        } else if (!withholding) {
            withholding = true;
            log.debug("Device {}: channel not writable, C2D credit withheld", device);
        }
    }

    /** The core's side: called on a shard thread, hops onto this connection's loop. */
    private final class Sink implements DeliverySink {
        @Override
        public void deliver(Delivery delivery) {
            hop(() -> onDelivery(this, delivery));
        }

        @Override
        public void lockLost(LockToken lockToken) {
            hop(() -> onLockLost(this, lockToken));
        }

        private void hop(Runnable task) {
            try {
                loop.execute(task);
            } catch (RejectedExecutionException e) {
                // the loop is shutting down with the server; the receiver's locks time out or are recovered
                log.debug("Device {}: event loop gone, C2D callback dropped", device);
            }
        }
    }
}
