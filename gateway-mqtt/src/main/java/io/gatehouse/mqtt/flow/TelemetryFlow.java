package io.gatehouse.mqtt.flow;

import io.gatehouse.core.events.AppendCallback;
import io.gatehouse.core.events.EventSource;
import io.gatehouse.core.events.EventStream;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.mqtt.topic.PropertyBag;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.concurrent.EventExecutor;
import java.nio.ByteBuffer;

/**
 * Device-to-cloud telemetry of one connection (docs/messaging.md#device-to-cloud-telemetry): each PUBLISH on the device's telemetry topic is
 * appended to the event stream; a QoS 1 PUBLISH is acknowledged only once its append is durable, a QoS 0 one
 * never. Acknowledgements follow the appends' completion order, which is the devices' publish order (one
 * device appends to one partition, and a partition completes in order) [MQTT-4.6.0-2].
 *
 * <p>{@link TopicRouter} sends it the PUBLISHes on the device's telemetry topic (QoS 0 or 1). Refused outright,
 * by closing the connection as IoT Hub does: a payload over the limit, a malformed property bag. A failed
 * append (store failure, too large once properties count) also closes the connection without a PUBACK: the
 * device will publish again.
 *
 * <p>Back-pressure: once {@code high} appends are pending the connection is "backlogged" and stops reading the
 * socket; it reads again when they drain to {@code high / 2}.
 *
 * <p>Event-loop confined; append completions hop onto the loop unless the store completed them at once.
 */
public final class TelemetryFlow {

    /** PUBACK's fixed header never changes: share it. */
    private static final MqttFixedHeader PUBACK_HEADER =
            new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE, false, 2);
    private static final int NO_ACK = -1;
    /** IoT Hub's marker for a telemetry message published with RETAIN. */
    static final String RETAIN_PROPERTY = "mqtt-retain";

    private final EventStream events;
    private final EventSource source;
    private final Outbound out;
    private final ConnectionControl connection;
    private final EventExecutor loop;
    private final int maxPayload;
    private final int high;
    private final int low;
    private int pending;
    /** Appends whose acknowledgement has not yet run on the loop: while any is, none may overtake it. */
    private int completingElsewhere;
    /** True during the append call itself: a completion seen then came from the store at once. */
    private boolean appending;
    private boolean backlogged;
    /**
     * The last property bag and what it parsed to: a device sends the same bag (content type, encoding, its
     * routing properties) again and again, and properties are immutable, so a repeat costs one comparison.
     */
    private String lastBag;
    private MessageProperties lastProperties;

    public TelemetryFlow(EventStream events, EventSource source, Outbound out, ConnectionControl connection,
                         EventExecutor loop, int maxPayload, int maxPending) {
        this.events = events;
        this.source = source;
        this.out = out;
        this.connection = connection;
        this.loop = loop;
        this.maxPayload = maxPayload;
        this.high = maxPending;
        this.low = maxPending / 2;
    }

    /** True while reading should pause: too many appends are waiting to become durable. */
    public boolean isBacklogged() {
        return backlogged;
    }

    public int pending() {
        return pending;
    }

    /**
     * Handles a telemetry PUBLISH from the device on {@code topic}, whose property bag starts at {@code bagStart}.
     * The caller releases the message afterwards.
     */
    public void onPublish(MqttPublishMessage publish, String topic, int bagStart) {
        assert loop.inEventLoop();
        MqttQoS qos = publish.fixedHeader().qosLevel();
        ByteBuf payload = publish.payload();
        if (payload.readableBytes() > maxPayload) {
            connection.close("telemetry payload of " + payload.readableBytes() + " bytes exceeds the limit of "
                    + maxPayload + " bytes");
            return;
        }
        MessageProperties properties = parse(topic, bagStart);
        if (properties == null) {
            return;
        }
        if (publish.fixedHeader().isRetain()) {
            properties = properties.toBuilder().put(RETAIN_PROPERTY, "true").build();
        }
        int packetId = qos == MqttQoS.AT_LEAST_ONCE ? publish.variableHeader().packetId() : NO_ACK;
        pending++;
        if (pending >= high && !backlogged) {
            backlogged = true;
            connection.backlogChanged();
        }
        completingElsewhere++;
        appending = true;
        try {
            events.append(source, properties, bodyView(payload), new Ack(packetId));
        } finally {
            appending = false;
        }
    }

    /**
     * One append's acknowledgement. Told by the store, it runs on the loop, always through the loop's FIFO task
     * queue so that acks keep their order; only an append that completed within its own call (the in-memory
     * store), with no earlier one outstanding, is acknowledged at once: no hop.
     */
    private final class Ack implements AppendCallback, Runnable {
        private final int packetId;
        private Throwable failure;

        Ack(int packetId) {
            this.packetId = packetId;
        }

        @Override
        public void appended(Throwable failure) {
            if (loop.inEventLoop() && appending && completingElsewhere == 1) {
                completingElsewhere--;
                TelemetryFlow.this.appended(packetId, failure);
            } else {
                this.failure = failure; // published to the loop by execute
                loop.execute(this);
            }
        }

        @Override
        public void run() {
            completingElsewhere--;
            TelemetryFlow.this.appended(packetId, failure);
        }
    }

    /**
     * The payload as a buffer the event is encoded from before append returns (no copy of the body). Netty's
     * internal view of a single-buffer payload is reused by the buffer itself: no allocation at all.
     */
    private static ByteBuffer bodyView(ByteBuf payload) {
        return payload.nioBufferCount() == 1
                ? payload.internalNioBuffer(payload.readerIndex(), payload.readableBytes())
                : payload.nioBuffer();
    }

    /**
     * The properties of the bag from {@code bagStart} in {@code topic}, or null when it is malformed (the connection
     * is then closed). A device mostly repeats its bag: compared in place with the last one, it is not copied.
     */
    private MessageProperties parse(String topic, int bagStart) {
        int length = topic.length() - bagStart;
        if (lastBag != null && lastBag.length() == length && topic.startsWith(lastBag, bagStart)) {
            return lastProperties;
        }
        String bag = topic.substring(bagStart);
        try {
            lastProperties = PropertyBag.parse(bag);
            lastBag = bag;
            return lastProperties;
        } catch (IllegalArgumentException e) {
            connection.close("telemetry topic with a malformed property bag: " + e.getMessage());
            return null;
        }
    }

    private void appended(int packetId, Throwable failure) {
        assert loop.inEventLoop();
        pending--;
        if (failure != null) {
            GatewayException refusal = GatewayException.unwrap(failure);
            String why = refusal != null ? refusal.code().iotHubName() + ": " + refusal.getMessage() : String.valueOf(failure);
            connection.close("telemetry not stored (" + why + "); closed without PUBACK so the device publishes it again");
            return;
        }
        if (packetId != NO_ACK && !connection.isClosing()) {
            out.write(new MqttPubAckMessage(PUBACK_HEADER, MqttMessageIdVariableHeader.from(packetId)));
        }
        if (backlogged && pending <= low) {
            backlogged = false;
            connection.backlogChanged();
        }
    }
}
