package io.gatehouse.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.testing.LogCapture;
import io.gatehouse.mqtt.support.MqttTestServer;
import io.gatehouse.mqtt.support.RawMqttClient;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SUBSCRIBE and UNSUBSCRIBE outcomes (docs/protocols.md#mqtt-311; MQTT 3.1.1 §3.8-§3.11). */
class SubscriptionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int FAILURE = 0x80;

    private MqttTestServer server;
    private RawMqttClient client;
    private final LogCapture logs = new LogCapture("io.gatehouse.mqtt");

    @BeforeEach
    void connect() throws IOException {
        server = MqttTestServer.start();
        server.createDevice("d1");
        server.createDevice("d2");
        client = new RawMqttClient(server.port());
        client.send(RawMqttClient.connect("d1", MqttTestServer.userName("d1"), server.token("d1"), true, 60));
        assertThat(client.receive(WAIT).fixedHeader().messageType()).isEqualTo(MqttMessageType.CONNACK);
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        logs.close();
        server.close();
    }

    private List<Integer> subscribe(int packetId, MqttQoS qos, String... filters) throws IOException {
        MqttMessageBuilders.SubscribeBuilder subscribe = MqttMessageBuilders.subscribe().messageId(packetId);
        for (String filter : filters) {
            subscribe.addSubscription(qos, filter);
        }
        client.send(subscribe.build());
        MqttMessage reply = client.receive(WAIT);
        assertThat(reply).isInstanceOf(MqttSubAckMessage.class);
        MqttSubAckMessage subAck = (MqttSubAckMessage) reply;
        assertThat(subAck.variableHeader().messageId()).as("[MQTT-3.8.4-2] same packet id").isEqualTo(packetId);
        return subAck.payload().grantedQoSLevels();
    }

    /** The connection is still up: a PINGREQ is answered. */
    private void assertStillConnected() throws IOException {
        client.send(RawMqttClient.pingReq());
        assertThat(client.receive(WAIT).fixedHeader().messageType()).isEqualTo(MqttMessageType.PINGRESP);
    }

    @Test
    void theOwnC2dTopicIsGrantedAtQos1() throws IOException {
        assertThat(subscribe(7, MqttQoS.AT_LEAST_ONCE, "devices/d1/messages/devicebound/#")).containsExactly(1);
    }

    @Test
    void theOwnC2dTopicIsGrantedAtQos0WhenAskedFor0() throws IOException {
        assertThat(subscribe(7, MqttQoS.AT_MOST_ONCE, "devices/d1/messages/devicebound/#")).containsExactly(0);
    }

    @Test
    void aQos2RequestIsGrantedQos1() throws IOException {
        // [MQTT-3.8.4-6] the server may grant a lower QoS than asked
        assertThat(subscribe(7, MqttQoS.EXACTLY_ONCE, "devices/d1/messages/devicebound/#")).containsExactly(1);
    }

    @Test
    void twinAndMethodTopicsAreGrantedAndOtherHubTopicsGetFailure() throws IOException {
        assertThat(subscribe(3, MqttQoS.AT_LEAST_ONCE, "$iothub/twin/res/#", "$iothub/twin/PATCH/properties/desired/#",
                "$iothub/methods/POST/#")).containsExactly(1, 1, 1);
        assertThat(subscribe(4, MqttQoS.AT_MOST_ONCE, "$iothub/twin/res/#")).containsExactly(0);
        // the Node SDK subscribes to such filters on connect: 0x80, not a dropped connection
        assertThat(subscribe(5, MqttQoS.AT_LEAST_ONCE, "$iothub/twin/#", "$iothub/methods/res/#")).containsExactly(FAILURE, FAILURE);
        assertStillConnected();
        logs.await("Device d1: SUBSCRIBE to '$iothub/twin/#' refused (0x80)", "not a twin topic");
        logs.await("Device d1: SUBSCRIBE to '$iothub/methods/res/#' refused (0x80)", "not a method topic");
    }

    @Test
    void anotherDevicesTopicGetsFailureAndTheConnectionStaysUp() throws IOException {
        assertThat(subscribe(3, MqttQoS.AT_LEAST_ONCE, "devices/d2/messages/devicebound/#")).containsExactly(FAILURE);
        assertStillConnected();
        logs.await("Device d1: SUBSCRIBE to 'devices/d2/messages/devicebound/#' refused (0x80)", "another device");
    }

    @Test
    void otherFiltersGetFailure() throws IOException {
        assertThat(subscribe(3, MqttQoS.AT_LEAST_ONCE, "devices/d1/messages/devicebound/+", "#", "devices/+/messages/devicebound/#"))
                .containsExactly(FAILURE, FAILURE, FAILURE);
        assertStillConnected();
    }

    @Test
    void aMixedSubscribeGetsOneReturnCodePerFilterInOrder() throws IOException {
        // [MQTT-3.9.3-1] one return code per topic filter, in the order of the request
        assertThat(subscribe(9, MqttQoS.AT_LEAST_ONCE, "$iothub/twin/#", "devices/d1/messages/devicebound/#",
                "devices/d2/messages/devicebound/#")).containsExactly(FAILURE, 1, FAILURE);
    }

    @Test
    void unsubscribeIsAcknowledgedForAnyFilter() throws IOException {
        // [MQTT-3.10.4-4/5] UNSUBACK with the same packet id, even when nothing matched
        subscribe(1, MqttQoS.AT_LEAST_ONCE, "devices/d1/messages/devicebound/#");
        client.send(MqttMessageBuilders.unsubscribe().messageId(11).addTopicFilter("devices/d1/messages/devicebound/#").build());
        MqttUnsubAckMessage ack = (MqttUnsubAckMessage) client.receive(WAIT);
        assertThat(ack.variableHeader().messageId()).isEqualTo(11);
        client.send(MqttMessageBuilders.unsubscribe().messageId(12).addTopicFilter("nothing/here").build());
        ack = (MqttUnsubAckMessage) client.receive(WAIT);
        assertThat(ack.variableHeader().messageId()).isEqualTo(12);
    }

    @Test
    void aSubscribeWithoutFiltersClosesTheConnection() throws IOException {
        // [MQTT-3.8.3-3] at least one topic filter: packet id 1 and nothing else is a protocol violation
        client.sendBytes(new byte[] {(byte) 0x82, 0x02, 0x00, 0x01});
        client.awaitClosed(WAIT);
        logs.await("Device d1 disconnected", "SUBSCRIBE without topic filters");
    }

    @Test
    void anUnsubscribeWithoutFiltersClosesTheConnection() throws IOException {
        // [MQTT-3.10.3-2]
        client.sendBytes(new byte[] {(byte) 0xA2, 0x02, 0x00, 0x01});
        client.awaitClosed(WAIT);
        logs.await("Device d1 disconnected", "UNSUBSCRIBE without topic filters");
    }
}
