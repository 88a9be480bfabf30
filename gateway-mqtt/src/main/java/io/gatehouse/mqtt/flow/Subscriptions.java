package io.gatehouse.mqtt.flow;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.session.C2dDeliveryMode;
import io.gatehouse.core.session.DeviceSession;
import io.gatehouse.core.session.PersistentSessions;
import io.gatehouse.mqtt.topic.ClientText;
import io.gatehouse.mqtt.topic.DeviceTopics;
import io.gatehouse.mqtt.topic.TopicKind;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SUBSCRIBE and UNSUBSCRIBE of one connection (docs/messaging.md#cloud-to-device-commands, docs/protocols.md#mqtt-311).
 *
 * <ul>
 *   <li>{@code devices/{id}/messages/devicebound/#} is granted at QoS 1, or 0 when asked for 0 (QoS 2 requests
 *       get 1 [MQTT-3.8.4-6]), and starts C2D delivery. With CleanSession=0 the subscription is first written to
 *       the device's persistent session, and the SUBACK waits until that is durable.</li>
 *   <li>Twin and method filters ({@code $iothub/twin/...}, {@code $iothub/methods/...}) go to the connection's
 *       {@link TopicFlow} of their kind, which grants them or not.</li>
 *   <li>Topics of other devices and anything else get the failure code 0x80; the connection stays up.</li>
 *   <li>UNSUBSCRIBE of the C2D filter stops delivery (in-flight messages are abandoned) and removes the
 *       session's subscription; UNSUBACK is sent in every case [MQTT-3.10.4-5].</li>
 * </ul>
 * Event-loop confined.
 */
public final class Subscriptions {

    private static final Logger log = LoggerFactory.getLogger(Subscriptions.class);

    private final DeviceId device;
    private final DeviceTopics topics;
    private final C2dFlow c2d;
    private final Map<TopicKind, TopicFlow> flows;
    private final PersistentSessions sessions;
    private final boolean persistent;
    private final Outbound out;
    private final ConnectionControl connection;
    private final EventExecutor loop;

    /** {@code flows}: the flow of each {@code $iothub/} kind the connection serves (twin, methods). */
    public Subscriptions(DeviceId device, DeviceTopics topics, C2dFlow c2d, Map<TopicKind, TopicFlow> flows,
                         PersistentSessions sessions, boolean persistent, Outbound out, ConnectionControl connection,
                         EventExecutor loop) {
        this.device = device;
        this.topics = topics;
        this.c2d = c2d;
        this.flows = flows;
        this.sessions = sessions;
        this.persistent = persistent;
        this.out = out;
        this.connection = connection;
        this.loop = loop;
    }

    public void onSubscribe(MqttSubscribeMessage subscribe) {
        assert loop.inEventLoop();
        int packetId = subscribe.variableHeader().messageId();
        List<MqttTopicSubscription> requested = subscribe.payload().topicSubscriptions();
        if (requested.isEmpty()) {
            connection.close("SUBSCRIBE without topic filters [MQTT-3.8.3-3]");
            return;
        }
        MqttQoS[] granted = new MqttQoS[requested.size()];
        int c2dIndex = -1;
        for (int i = 0; i < granted.length; i++) {
            MqttTopicSubscription subscription = requested.get(i);
            String filter = subscription.topicFilter();
            TopicKind kind = topics.classifyFilter(filter);
            TopicFlow flow = flows.get(kind);
            if (kind == TopicKind.C2D) {
                granted[i] = subscription.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
                c2dIndex = i;
            } else if (flow != null) {
                granted[i] = flow.onSubscribe(filter, subscription.qualityOfService());
            } else {
                granted[i] = MqttQoS.FAILURE;
                logRefused(device, filter, why(kind));
            }
        }
        if (c2dIndex < 0) {
            out.write(subAck(packetId, granted));
            return;
        }
        C2dDeliveryMode mode = granted[c2dIndex] == MqttQoS.AT_MOST_ONCE ? C2dDeliveryMode.AT_MOST_ONCE : C2dDeliveryMode.AT_LEAST_ONCE;
        int index = c2dIndex;
        CompletableFuture<Void> remembered = persistent ? sessions.put(device, new DeviceSession(mode))
                : CompletableFuture.completedFuture(null);
        remembered.whenComplete((ok, failure) -> loop.execute(() -> {
            if (connection.isClosing()) {
                return;
            }
            if (failure != null) {
                granted[index] = MqttQoS.FAILURE;
                log.warn("Device {}: SUBSCRIBE to C2D refused (0x80): the session could not be stored: {}", device, failure.toString());
                out.write(subAck(packetId, granted));
                return;
            }
            // SUBACK first: the device sees it before the first message of the subscription
            out.write(subAck(packetId, granted));
            c2d.start(mode);
        }));
    }

    public void onUnsubscribe(MqttUnsubscribeMessage unsubscribe) {
        int packetId = unsubscribe.variableHeader().messageId();
        if (unsubscribe.payload().topics().isEmpty()) {
            connection.close("UNSUBSCRIBE without topic filters [MQTT-3.10.3-2]");
            return;
        }
        boolean c2dFilter = false;
        for (String filter : unsubscribe.payload().topics()) {
            TopicKind kind = topics.classifyFilter(filter);
            c2dFilter |= kind == TopicKind.C2D;
            TopicFlow flow = flows.get(kind);
            if (flow != null) {
                flow.onUnsubscribe(filter);
            }
        }
        if (!c2dFilter) {
            out.write(MqttMessageBuilders.unsubAck().packetId(packetId).build());
            return;
        }
        c2d.stop();
        CompletableFuture<Void> forgotten = persistent ? sessions.remove(device) : CompletableFuture.completedFuture(null);
        forgotten.whenComplete((ok, failure) -> loop.execute(() -> {
            if (failure != null) {
                log.warn("Device {}: UNSUBSCRIBE: the session's subscription could not be removed: {}", device, failure.toString());
            }
            if (!connection.isClosing()) {
                out.write(MqttMessageBuilders.unsubAck().packetId(packetId).build());
            }
        }));
    }

    private static Object subAck(int packetId, MqttQoS[] granted) {
        return MqttMessageBuilders.subAck().packetId(packetId).addGrantedQoses(granted).build();
    }

    /** The one log line of a filter refused with 0x80, whichever flow refuses it. */
    static void logRefused(DeviceId device, String filter, String why) {
        log.info("Device {}: SUBSCRIBE to {} refused (0x80): {}", device, ClientText.quote(filter), why);
    }

    private static String why(TopicKind kind) {
        return kind == TopicKind.OTHER_DEVICE ? "a topic of another device"
                : "not a topic this hub serves (only devices/{id}/messages/devicebound/#)";
    }
}
