package io.gatehouse.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.LifecycleCounters;
import io.gatehouse.core.queue.Outcome;
import io.gatehouse.core.queue.QueueStats;
import io.gatehouse.core.testing.LogCapture;
import io.gatehouse.mqtt.support.C2dReceiver;
import io.gatehouse.mqtt.support.MqttTestServer;
import io.gatehouse.mqtt.support.RawMqttClient;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Cloud-to-device delivery over MQTT (docs/messaging.md#the-lifecycle, docs/protocols.md#mqtt-311): PUBLISH to the device, PUBACK completes. */
class C2dDeliveryTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private MqttTestServer server;
    private final LogCapture logs = new LogCapture("io.gatehouse.mqtt");

    private void start(MqttTestServer.Builder builder) {
        server = builder.start();
        server.createDevice("d1");
    }

    @AfterEach
    void stop() {
        logs.close();
        if (server != null) {
            server.close();
        }
    }

    /** A raw client connected as d1 and subscribed to its C2D topic at QoS 1. */
    private RawMqttClient subscribedAtQos1() throws Exception {
        RawMqttClient client = new RawMqttClient(server.port());
        client.send(RawMqttClient.connect("d1", MqttTestServer.userName("d1"), server.token("d1"), true, 60));
        assertThat(client.receive(WAIT).fixedHeader().messageType()).isEqualTo(MqttMessageType.CONNACK);
        client.send(MqttMessageBuilders.subscribe().messageId(1)
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "devices/d1/messages/devicebound/#").build());
        MqttSubAckMessage subAck = (MqttSubAckMessage) client.receive(WAIT);
        assertThat(subAck.payload().grantedQoSLevels()).containsExactly(1);
        return client;
    }

    private LifecycleCounters.Snapshot counters() {
        return server.core.c2d().counters().snapshot();
    }

    private String send(String body) {
        return server.sendC2d("d1", C2dRequest.of(null, body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aC2dMessageArrivesWithItsPropertiesInTheTopicAndItsPubAckCompletesIt() throws Exception {
        start(MqttTestServer.builder());
        try (MqttTestServer.ConnectedDevice device = server.connect("d1", true)) {
            C2dReceiver received = C2dReceiver.on(device.client(), false);
            C2dReceiver.subscribe(device.client(), "d1", MqttQos.AT_LEAST_ONCE);
            MessageProperties properties = MessageProperties.builder().messageId("msg 1").correlationId("corr/1")
                    .userId("svc").contentType("application/json").contentEncoding("utf-8")
                    .put("color", "red & blue").put("empty", "").put("k=1", "\u00e9").build();
            server.sendC2d("d1", new C2dRequest(properties, AckMode.FULL, null, "{\"on\":true}".getBytes(StandardCharsets.UTF_8)));

            Mqtt3Publish publish = received.next();
            assertThat(publish.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
            assertThat(publish.getTopic().toString()).isEqualTo("devices/d1/messages/devicebound/"
                    + "%24.mid=msg%201&%24.to=%2Fdevices%2Fd1%2Fmessages%2Fdevicebound&%24.cid=corr%2F1&%24.uid=svc"
                    + "&%24.ct=application%2Fjson&%24.ce=utf-8&iothub-ack=full&color=red%20%26%20blue&k%3D1=%C3%A9");
            assertThat(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"on\":true}");
            // the client acknowledged automatically: the message is COMPLETED in the core
            await().atMost(WAIT).until(() -> counters().ended(Outcome.COMPLETED) == 1);
            assertThat(server.stats("d1").depth()).isZero();
        }
    }

    @Test
    void aMessageWhosePropertiesMakeATopicTooLongForAPublishIsDeadLetteredAndTheNextOneArrives() throws Exception {
        start(MqttTestServer.builder());
        try (RawMqttClient client = subscribedAtQos1()) {
            // 25,000 characters, within the size limit, but each '%' is three bytes in the topic: 75,000 > 65,535
            MessageProperties huge = MessageProperties.builder().put("k", "%".repeat(25_000)).build();
            server.sendC2d("d1", new C2dRequest(huge, AckMode.NONE, null, "too long".getBytes(StandardCharsets.UTF_8)));
            String next = send("next");

            MqttPublishMessage publish = (MqttPublishMessage) client.receive(WAIT);
            try {
                assertThat(publish.variableHeader().topicName()).contains("%24.mid=" + next);
                assertThat(publish.payload().toString(StandardCharsets.UTF_8)).isEqualTo("next");
            } finally {
                publish.release();
            }
            await().atMost(WAIT).until(() -> counters().ended(Outcome.DELIVERY_COUNT_EXCEEDED) == 1);
            assertThat(logs.count("over MQTT's 65535")).isEqualTo(server.core.settings().c2dMaxDeliveryCount());
        }
    }

    @Test
    void pubAcksInAnyOrderCompleteTheirOwnMessages() throws Exception {
        // no FIFO: acknowledging the third message first completes the third, and the others stay locked.
        // (A raw client: well-behaved libraries send PUBACKs in order [MQTT-4.6.0-2], which hides the case.)
        start(MqttTestServer.builder());
        try (RawMqttClient client = subscribedAtQos1()) {
            List<String> ids = List.of(send("a"), send("b"), send("c"));
            List<Integer> packetIds = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                MqttPublishMessage publish = (MqttPublishMessage) client.receive(WAIT);
                try {
                    assertThat(publish.fixedHeader().qosLevel()).isEqualTo(MqttQoS.AT_LEAST_ONCE);
                    assertThat(publish.variableHeader().topicName()).contains("%24.mid=" + ids.get(i));
                    packetIds.add(publish.variableHeader().packetId());
                } finally {
                    publish.release();
                }
            }
            assertThat(packetIds).doesNotHaveDuplicates().allMatch(id -> id > 0);

            client.send(MqttMessageBuilders.pubAck().packetId(packetIds.get(2)).build());
            await().atMost(WAIT).until(() -> counters().ended(Outcome.COMPLETED) == 1);
            assertThat(server.stats("d1")).isEqualTo(new QueueStats(0, 2, 1));

            client.send(MqttMessageBuilders.pubAck().packetId(packetIds.get(0)).build());
            client.send(MqttMessageBuilders.pubAck().packetId(packetIds.get(1)).build());
            await().atMost(WAIT).until(() -> counters().ended(Outcome.COMPLETED) == 3);
            assertThat(server.stats("d1").depth()).isZero();
        }
    }

    @Test
    void aQos0SubscriptionCompletesEachMessageOnceWritten() throws Exception {
        // docs/messaging.md#the-lifecycle: QoS 0 has no acknowledgement to wait for
        start(MqttTestServer.builder());
        try (MqttTestServer.ConnectedDevice device = server.connect("d1", true)) {
            C2dReceiver received = C2dReceiver.on(device.client(), true);
            C2dReceiver.subscribe(device.client(), "d1", MqttQos.AT_MOST_ONCE);
            send("fire and forget");
            Mqtt3Publish publish = received.next();
            assertThat(publish.getQos()).isEqualTo(MqttQos.AT_MOST_ONCE);
            await().atMost(WAIT).until(() -> counters().ended(Outcome.COMPLETED) == 1);
        }
    }

    @Test
    void anUnacknowledgedMessageIsAbandonedOnDisconnectAndDeliveredAgainAfterReconnect() throws Exception {
        start(MqttTestServer.builder());
        String id;
        try (MqttTestServer.ConnectedDevice first = server.connect("d1", true)) {
            C2dReceiver received = C2dReceiver.on(first.client(), true);
            C2dReceiver.subscribe(first.client(), "d1", MqttQos.AT_LEAST_ONCE);
            id = send("again");
            received.next(); // never acknowledged
            assertThat(counters().delivered()).isEqualTo(1);
        }
        // abandoned at once when the connection went, not after the lock timeout
        await().atMost(WAIT).until(() -> counters().abandoned() == 1);
        assertThat(server.stats("d1")).isEqualTo(new QueueStats(1, 0, 0));

        try (MqttTestServer.ConnectedDevice second = server.connect("d1", true)) {
            C2dReceiver received = C2dReceiver.on(second.client(), false);
            C2dReceiver.subscribe(second.client(), "d1", MqttQos.AT_LEAST_ONCE);
            Mqtt3Publish again = received.next();
            assertThat(again.getTopic().toString()).contains("%24.mid=" + id);
            await().atMost(WAIT).until(() -> counters().ended(Outcome.COMPLETED) == 1);
            assertThat(counters().delivered()).as("the delivery count grew").isEqualTo(2);
        }
    }

    @Test
    void aLostLockForgetsItsPacketIdAndTheLatePubAckIsIgnored() throws Exception {
        start(MqttTestServer.builder().manualClock());
        try (MqttTestServer.ConnectedDevice device = server.connect("d1", true)) {
            C2dReceiver received = C2dReceiver.on(device.client(), true);
            C2dReceiver.subscribe(device.client(), "d1", MqttQos.AT_LEAST_ONCE);
            send("slow");
            Mqtt3Publish first = received.next();
            // the lock times out: the message is offered again, on the same connection (its credit came back)
            server.manualClock().advance(HubSettings.defaults().c2dLockDuration().plusSeconds(1));
            Mqtt3Publish second = received.next();
            logs.await("Device d1: lock of the C2D message", "was lost");
            assertThat(counters().lockTimeouts()).isEqualTo(1);

            first.acknowledge(); // for a lock that is gone: ignored, nothing completes
            second.acknowledge();
            await().atMost(WAIT).until(() -> counters().ended(Outcome.COMPLETED) == 1);
            assertThat(server.stats("d1").depth()).isZero();
            assertThat(logs.messages()).noneMatch(m -> m.contains("completing C2D message") && m.contains("failed"));
        }
    }

    @Test
    void aDeviceThatDoesNotAcknowledgeHoldsAtMostTheWindowInFlight() throws Exception {
        int window = 4;
        start(MqttTestServer.builder().options(MqttOptions.builder().maxInFlightC2d(window).build()));
        try (MqttTestServer.ConnectedDevice device = server.connect("d1", true)) {
            C2dReceiver received = C2dReceiver.on(device.client(), true);
            C2dReceiver.subscribe(device.client(), "d1", MqttQos.AT_LEAST_ONCE);
            for (int i = 0; i < 20; i++) {
                send("m" + i);
            }
            List<Mqtt3Publish> inFlight = new ArrayList<>();
            for (int i = 0; i < window; i++) {
                inFlight.add(received.next());
            }
            // the core locked exactly the window; the other 16 wait in the device's queue, not in the gateway
            assertThat(server.stats("d1")).isEqualTo(new QueueStats(16, window, 1));
            assertThat(counters().delivered()).isEqualTo(window);

            inFlight.get(0).acknowledge();
            Mqtt3Publish fifth = received.next();
            assertThat(new String(fifth.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("m4");
            await().atMost(WAIT).until(() -> counters().ended(Outcome.COMPLETED) == 1);
            assertThat(server.stats("d1")).isEqualTo(new QueueStats(15, window, 1));
        }
    }

    @Test
    void aDeviceThatStopsReadingGetsNoMoreCreditUntilItReadsAgain() throws Exception {
        // QoS 0 settles on write, so only writability bounds what the gateway takes from the queue
        int bodySize = 8 * 1024;
        int total = 400;
        int window = 64;
        start(MqttTestServer.builder().sendBuffer(16 * 1024)
                .options(MqttOptions.builder().maxInFlightC2d(window).build())
                .settings(HubSettings.defaults().with(HubSettings.C2D_MAX_QUEUE_DEPTH.property(), "1000")));
        ch.qos.logback.classic.Logger flowLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                io.gatehouse.mqtt.flow.C2dFlow.class);
        Level before = flowLog.getLevel();
        flowLog.setLevel(Level.DEBUG);
        try (RawMqttClient client = new RawMqttClient(server.port(), 16 * 1024)) {
            client.send(RawMqttClient.connect("d1", MqttTestServer.userName("d1"), server.token("d1"), true, 60));
            assertThat(client.receive(WAIT).fixedHeader().messageType()).isEqualTo(MqttMessageType.CONNACK);
            client.send(MqttMessageBuilders.subscribe().messageId(1)
                    .addSubscription(MqttQoS.AT_MOST_ONCE, "devices/d1/messages/devicebound/#").build());
            assertThat(client.receive(WAIT)).isInstanceOf(MqttSubAckMessage.class);
            for (int i = 0; i < total; i++) {
                server.sendC2d("d1", C2dRequest.of(null, new byte[bodySize]));
            }
            logs.await("Device d1: channel not writable, C2D credit withheld");
            // what left the queue is one window plus what the socket buffers took; the rest waits in the queue
            QueueStats stats = server.stats("d1");
            long taken = counters().ended(Outcome.COMPLETED) + stats.locked();
            assertThat(taken).isLessThan(total / 2);
            assertThat(stats.enqueued()).isGreaterThan(total / 2);
            // reading again drains everything
            int publishes = 0;
            while (publishes < total) {
                MqttMessage message = client.receive(WAIT);
                if (message instanceof MqttPublishMessage publish) {
                    publish.release();
                    publishes++;
                }
            }
            await().atMost(WAIT).until(() -> counters().ended(Outcome.COMPLETED) == total);
        } finally {
            flowLog.setLevel(before);
        }
    }
}
