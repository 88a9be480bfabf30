package io.gatehouse.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.testing.LogCapture;
import io.gatehouse.core.testing.ManualStore;
import io.gatehouse.mqtt.support.EventCollector;
import io.gatehouse.mqtt.support.MqttTestServer;
import io.gatehouse.mqtt.support.RawMqttClient;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Device-to-cloud telemetry over MQTT (docs/messaging.md#device-to-cloud-telemetry, docs/protocols.md#mqtt-311), checked against what the core stored. */
class TelemetryTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private MqttTestServer server;
    private final LogCapture logs = new LogCapture("io.gatehouse.mqtt");

    private MqttTestServer start(MqttTestServer.Builder builder) {
        server = builder.start();
        server.createDevice("d1");
        server.createDevice("d2");
        return server;
    }

    @AfterEach
    void stop() {
        logs.close();
        if (server != null) {
            server.close();
        }
    }

    private RawMqttClient rawConnected(String device) throws IOException {
        RawMqttClient client = new RawMqttClient(server.port());
        client.send(RawMqttClient.connect(device, MqttTestServer.userName(device), server.token(device), true, 60));
        MqttMessage connAck = client.receive(WAIT);
        assertThat(connAck.fixedHeader().messageType()).isEqualTo(MqttMessageType.CONNACK);
        return client;
    }

    private static MqttPublishMessage publish(String topic, MqttQoS qos, int packetId, byte[] payload) {
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, qos, false, 0),
                new MqttPublishVariableHeader(topic, packetId), Unpooled.wrappedBuffer(payload));
    }

    @Test
    void telemetryWithSystemAndApplicationPropertiesIsStoredWithTheStampedSource() throws Exception {
        start(MqttTestServer.builder());
        String bag = "$.mid=m%201&$.cid=c1&$.uid=u1&$.to=%2Fdevices%2Fd1%2Fmessages%2Fevents&$.ct=application%2Fjson"
                + "&$.ce=utf-8&$.ctime=2026-01-02T03%3A04%3A05.678Z&$.cdid=spoofed"
                + "&k%20one=v%26%3D%20two&check=%E2%9C%93&flag";
        try (EventCollector events = server.events("d1"); MqttTestServer.ConnectedDevice device = server.connect("d1", true)) {
            // the blocking publish returns once the PUBACK arrived: the gateway acknowledged
            device.client().publishWith().topic("devices/d1/messages/events/" + bag).qos(MqttQos.AT_LEAST_ONCE)
                    .payload("{\"t\":21.5}".getBytes(StandardCharsets.UTF_8)).send();

            D2cEvent event = events.next();
            MessageProperties p = event.properties();
            assertThat(p.messageId()).isEqualTo("m 1");
            assertThat(p.correlationId()).isEqualTo("c1");
            assertThat(p.userId()).isEqualTo("u1");
            assertThat(p.to()).isEqualTo("/devices/d1/messages/events");
            assertThat(p.contentType()).isEqualTo("application/json");
            assertThat(p.contentEncoding()).isEqualTo("utf-8");
            assertThat(p.creationTimeUtc()).isEqualTo("2026-01-02T03:04:05.678Z");
            assertThat(p.application()).containsExactly(Map.entry("k one", "v&= two"), Map.entry("check", "\u2713"),
                    Map.entry("flag", ""));
            // stamped by the gateway from the authenticated connection; the device's $.cdid is ignored
            assertThat(event.source().deviceId().value()).isEqualTo("d1");
            assertThat(event.source().generationId()).isEqualTo(server.device("d1").generationId());
            assertThat(event.source().authMethod()).contains("\"scope\":\"device\"").contains("\"type\":\"sas\"");
            assertThat(new String(event.body(), StandardCharsets.UTF_8)).isEqualTo("{\"t\":21.5}");
        }
    }

    @Test
    void telemetryWithoutPropertyBagIsStoredWithOrWithoutTheTrailingSlash() throws Exception {
        start(MqttTestServer.builder());
        try (EventCollector events = server.events("d1"); MqttTestServer.ConnectedDevice device = server.connect("d1", true)) {
            device.client().publishWith().topic("devices/d1/messages/events").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(new byte[] {1}).send();
            device.client().publishWith().topic("devices/d1/messages/events/").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(new byte[] {2}).send();
            List<D2cEvent> stored = events.next(2);
            assertThat(stored).extracting(e -> e.body()[0]).containsExactly((byte) 1, (byte) 2);
            assertThat(stored).allSatisfy(e -> assertThat(e.properties()).isEqualTo(MessageProperties.EMPTY));
        }
    }

    @Test
    void manyQos1PublishesAreAllAcknowledgedAndStoredInOrder() throws Exception {
        start(MqttTestServer.builder());
        try (EventCollector events = server.events("d1"); MqttTestServer.ConnectedDevice device = server.connect("d1", true)) {
            Mqtt3AsyncClient async = device.client().toAsync();
            List<CompletableFuture<Mqtt3Publish>> acks = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                acks.add(async.publishWith().topic("devices/d1/messages/events/seq=" + i).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(new byte[256]).send());
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get();
            assertThat(events.next(500)).extracting(e -> e.properties().application().get("seq"))
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 500).mapToObj(String::valueOf).toList());
        }
    }

    @Test
    void qos0IsStoredWithoutPubAck() throws Exception {
        // [MQTT-4.3.1] QoS 0: no acknowledgement; the PINGRESP is the next packet, not a PUBACK
        start(MqttTestServer.builder());
        try (EventCollector events = server.events("d1"); RawMqttClient client = rawConnected("d1")) {
            client.send(publish("devices/d1/messages/events/k=v", MqttQoS.AT_MOST_ONCE, 0, new byte[] {7}));
            client.send(RawMqttClient.pingReq());
            assertThat(client.receive(WAIT).fixedHeader().messageType()).isEqualTo(MqttMessageType.PINGRESP);
            D2cEvent event = events.next();
            assertThat(event.body()).containsExactly(7);
            assertThat(event.properties().application()).containsEntry("k", "v");
        }
    }

    @Test
    void qos1IsAcknowledgedWithItsPacketId() throws Exception {
        // [MQTT-4.3.2-2] PUBACK carries the packet id of the PUBLISH
        start(MqttTestServer.builder());
        try (RawMqttClient client = rawConnected("d1")) {
            client.send(publish("devices/d1/messages/events/", MqttQoS.AT_LEAST_ONCE, 4242, new byte[] {1}));
            MqttMessage ack = client.receive(WAIT);
            assertThat(ack).isInstanceOf(MqttPubAckMessage.class);
            assertThat(((MqttPubAckMessage) ack).variableHeader().messageId()).isEqualTo(4242);
        }
    }

    @Test
    void qos2ClosesTheConnectionAndStoresNothing() throws Exception {
        start(MqttTestServer.builder());
        try (RawMqttClient client = rawConnected("d1")) {
            client.send(publish("devices/d1/messages/events/", MqttQoS.EXACTLY_ONCE, 1, new byte[] {1}));
            client.awaitClosed(WAIT);
        }
        logs.await("Device d1 disconnected", "QoS 2");
        assertThat(server.core.events().appendedCount()).isZero();
    }

    @Test
    void eachMessageKeepsItsOwnPropertiesWhenBagsRepeatAndAlternate() throws Exception {
        start(MqttTestServer.builder());
        String a = "devices/d1/messages/events/$.ct=application%2Fjson&k=a";
        String b = "devices/d1/messages/events/$.ce=utf-8&k=b";
        String c = "devices/d1/messages/events/$.ct=application%2Fjson&k=c"; // a's length: compared in place
        try (EventCollector events = server.events("d1"); MqttTestServer.ConnectedDevice device = server.connect("d1", true)) {
            device.client().publishWith().topic(a).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(new byte[] {1}).send();
            for (String topic : List.of(a, b, a, c)) {
                device.client().publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {2}).send();
            }
            List<MessageProperties> stored = events.next(5).stream().map(D2cEvent::properties).toList();
            assertThat(stored.get(0).application()).containsExactly(Map.entry("k", "a"), Map.entry("mqtt-retain", "true"));
            assertThat(stored.get(1).application()).containsExactly(Map.entry("k", "a"));
            assertThat(stored.get(1).contentType()).isEqualTo("application/json");
            assertThat(stored.get(2).application()).containsExactly(Map.entry("k", "b"));
            assertThat(stored.get(2).contentType()).isNull();
            assertThat(stored.get(2).contentEncoding()).isEqualTo("utf-8");
            assertThat(stored.get(3)).isEqualTo(stored.get(1));
            assertThat(stored.get(4).application()).containsExactly(Map.entry("k", "c"));
        }
    }

    @Test
    void theRetainFlagIsKeptAsAnApplicationProperty() throws Exception {
        start(MqttTestServer.builder());
        try (EventCollector events = server.events("d1"); MqttTestServer.ConnectedDevice device = server.connect("d1", true)) {
            device.client().publishWith().topic("devices/d1/messages/events/").qos(MqttQos.AT_LEAST_ONCE).retain(true)
                    .payload(new byte[] {1}).send();
            assertThat(events.next().properties().application()).containsEntry("mqtt-retain", "true");
        }
    }

    @Test
    void aPayloadOfExactly256KiBIsAcceptedAndOneByteMoreClosesTheConnection() throws Exception {
        start(MqttTestServer.builder());
        try (RawMqttClient client = rawConnected("d1")) {
            client.send(publish("devices/d1/messages/events", MqttQoS.AT_LEAST_ONCE, 1, new byte[256 * 1024]));
            assertThat(client.receive(WAIT)).isInstanceOf(MqttPubAckMessage.class);
            client.send(publish("devices/d1/messages/events", MqttQoS.AT_LEAST_ONCE, 2, new byte[256 * 1024 + 1]));
            client.awaitClosed(WAIT);
        }
        logs.await("Device d1 disconnected", "payload of 262145 bytes exceeds the limit of 262144 bytes");
        assertThat(server.core.events().appendedCount()).isEqualTo(1);
    }

    @Test
    void aPacketOverTheMaximumSizeClosesTheConnectionWithoutBeingBuffered() throws Exception {
        start(MqttTestServer.builder());
        try (RawMqttClient client = rawConnected("d1")) {
            // announce 200 MB and send only the header and topic: the decoder refuses on the length alone
            byte[] topic = "devices/d1/messages/events".getBytes(StandardCharsets.US_ASCII);
            int remaining = 200 * 1024 * 1024;
            java.io.ByteArrayOutputStream packet = new java.io.ByteArrayOutputStream();
            packet.write(0x32);
            for (int value = remaining; ; ) {
                int digit = value % 128;
                value /= 128;
                packet.write(value > 0 ? digit | 0x80 : digit);
                if (value == 0) {
                    break;
                }
            }
            packet.write(0);
            packet.write(topic.length);
            packet.write(topic);
            packet.write(0);
            packet.write(1);
            client.sendBytes(packet.toByteArray());
            client.awaitClosed(WAIT);
        }
        logs.await("Device d1 disconnected", "packet larger than");
    }

    @Test
    void publishingToAnotherDevicesTopicClosesTheConnectionAndStoresNothing() throws Exception {
        start(MqttTestServer.builder());
        try (RawMqttClient client = rawConnected("d1")) {
            client.send(publish("devices/d2/messages/events/", MqttQoS.AT_LEAST_ONCE, 1, new byte[] {1}));
            client.awaitClosed(WAIT);
        }
        logs.await("Device d1 disconnected", "topic of another device", "devices/d2/messages/events/");
        assertThat(server.core.events().appendedCount()).isZero();
    }

    @Test
    void publishingToAnUnknownTopicClosesTheConnection() throws Exception {
        start(MqttTestServer.builder());
        try (RawMqttClient client = rawConnected("d1")) {
            client.send(publish("$iothub/streams/POST/x/?$rid=1", MqttQoS.AT_LEAST_ONCE, 1, new byte[] {1}));
            client.awaitClosed(WAIT);
        }
        logs.await("Device d1 disconnected", "unsupported topic");
    }

    @Test
    void aTopicThatOnlyStartsLikeTheTelemetryTopicIsUnknown() throws Exception {
        start(MqttTestServer.builder());
        try (RawMqttClient client = rawConnected("d1")) {
            client.send(publish("devices/d1/messages/eventsX", MqttQoS.AT_LEAST_ONCE, 1, new byte[] {1}));
            client.awaitClosed(WAIT);
        }
        logs.await("Device d1 disconnected", "unsupported topic");
    }

    @Test
    void aMalformedPropertyBagClosesTheConnection() throws Exception {
        start(MqttTestServer.builder());
        try (RawMqttClient client = rawConnected("d1")) {
            client.send(publish("devices/d1/messages/events/k=%zz", MqttQoS.AT_LEAST_ONCE, 1, new byte[] {1}));
            client.awaitClosed(WAIT);
        }
        logs.await("Device d1 disconnected", "malformed property bag");
    }

    @Test
    void aStoreFailureClosesTheConnectionWithoutPubAck() throws Exception {
        ManualStore store = new ManualStore(4);
        start(MqttTestServer.builder().store(settings -> store));
        store.failAppends();
        try (RawMqttClient client = rawConnected("d1")) {
            client.send(publish("devices/d1/messages/events/", MqttQoS.AT_LEAST_ONCE, 1, new byte[] {1}));
            assertThat(client.tryReceive(WAIT)).as("no PUBACK: the connection just closes").isNull();
        }
        logs.await("Device d1 disconnected", "telemetry not stored", "disk on fire");
    }

    @Test
    void pubAckWaitsUntilTheAppendIsDurable() throws Exception {
        ManualStore store = new ManualStore(4);
        start(MqttTestServer.builder().store(settings -> store));
        store.holdAppends();
        try (RawMqttClient client = rawConnected("d1")) {
            client.send(publish("devices/d1/messages/events/", MqttQoS.AT_LEAST_ONCE, 9, new byte[] {1}));
            await().atMost(WAIT).until(() -> store.pendingAppends() == 1);
            client.send(RawMqttClient.pingReq());
            assertThat(client.receive(WAIT).fixedHeader().messageType())
                    .as("still not durable: no PUBACK yet").isEqualTo(MqttMessageType.PINGRESP);
            store.completeAllAppends();
            MqttMessage ack = client.receive(WAIT);
            assertThat(((MqttPubAckMessage) ack).variableHeader().messageId()).isEqualTo(9);
        }
    }

    @Test
    void aBackloggedConnectionStopsReadingUntilAppendsDrain() throws Exception {
        ManualStore store = new ManualStore(4);
        int maxPending = 8;
        int payload = 8 * 1024;
        start(MqttTestServer.builder().store(settings -> store)
                .options(MqttOptions.builder().maxPendingTelemetry(maxPending).build()));
        store.holdAppends();
        int total = 200;
        try (RawMqttClient client = rawConnected("d1")) {
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 1; i <= total; i++) {
                        client.send(publish("devices/d1/messages/events/", MqttQoS.AT_LEAST_ONCE, i, new byte[payload]));
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.setDaemon(true);
            writer.start();
            await().atMost(WAIT).until(() -> store.pendingAppends() >= maxPending);
            // reading stops at the limit; at most one socket read (64 KiB = 8 packets here) more is decoded
            int bound = maxPending + 64 * 1024 / payload + 1;
            int seen = store.appendsRequested();
            assertThat(seen).isBetween(maxPending, bound);
            // the writer is blocked by TCP, not by us losing data: release and everything arrives, acked
            int released = 0;
            int acked = 0;
            while (acked < total) {
                if (acked == released) {
                    await().atMost(WAIT).until(() -> store.pendingAppends() > 0);
                    assertThat(store.pendingAppends()).isLessThanOrEqualTo(bound);
                    released += store.completeAllAppends();
                }
                assertThat(client.receive(WAIT)).isInstanceOf(MqttPubAckMessage.class);
                acked++;
            }
            writer.join(WAIT.toMillis());
        }
        assertThat(store.appendsRequested()).isEqualTo(total);
    }
}
