package io.gatehouse.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Outcome;
import io.gatehouse.core.session.C2dDeliveryMode;
import io.gatehouse.core.session.DeviceSession;
import io.gatehouse.mqtt.support.C2dReceiver;
import io.gatehouse.mqtt.support.MqttTestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Persistent sessions (docs/protocols.md#mqtt-311; MQTT 3.1.1 §3.1.2.4, §3.2.2.2): the C2D subscription outlives the connection. */
class SessionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final DeviceId D1 = DeviceId.of("d1");

    private MqttTestServer server;

    @BeforeEach
    void start() {
        server = MqttTestServer.start();
        server.createDevice("d1");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Mqtt3ConnAck connect(Mqtt3BlockingClient client, boolean cleanSession) {
        return client.connectWith().cleanSession(cleanSession).keepAlive(60).simpleAuth()
                .username(MqttTestServer.userName("d1")).password(server.token("d1").getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
    }

    private void subscribeAndLeave(MqttQos qos) {
        Mqtt3BlockingClient first = server.client("d1");
        assertThat(connect(first, false).isSessionPresent()).isFalse();
        C2dReceiver.subscribe(first, "d1", qos);
        first.disconnect();
    }

    @Test
    void aPersistentSessionResumesDeliveryBeforeAnySubscribeAndSaysSo() throws Exception {
        subscribeAndLeave(MqttQos.AT_LEAST_ONCE);
        assertThat(server.core.sessions().get(D1)).contains(new DeviceSession(C2dDeliveryMode.AT_LEAST_ONCE));
        String id = server.sendC2d("d1", C2dRequest.of(null, "while away".getBytes(StandardCharsets.UTF_8)));

        Mqtt3BlockingClient second = server.client("d1");
        C2dReceiver received = C2dReceiver.on(second, false); // listens; never subscribes
        // [MQTT-3.2.2-2] session present: the server had the session
        assertThat(connect(second, false).isSessionPresent()).isTrue();
        Mqtt3Publish publish = received.next();
        assertThat(publish.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
        assertThat(publish.getTopic().toString()).startsWith("devices/d1/messages/devicebound/%24.mid=" + id);
        await().atMost(WAIT).until(() -> server.core.c2d().counters().snapshot().ended(Outcome.COMPLETED) == 1);
        second.disconnect();
    }

    @Test
    void aQos0SubscriptionResumesAtQos0() throws Exception {
        subscribeAndLeave(MqttQos.AT_MOST_ONCE);
        server.sendC2d("d1", C2dRequest.of(null, new byte[] {1}));
        Mqtt3BlockingClient second = server.client("d1");
        C2dReceiver received = C2dReceiver.on(second, false);
        assertThat(connect(second, false).isSessionPresent()).isTrue();
        assertThat(received.next().getQos()).isEqualTo(MqttQos.AT_MOST_ONCE);
        second.disconnect();
    }

    @Test
    void aCleanSessionStartsWithoutTheOldSessionAndRemovesIt() throws Exception {
        // [MQTT-3.1.2-6] and [MQTT-3.2.2-1]: session present 0, and the earlier session is discarded
        subscribeAndLeave(MqttQos.AT_LEAST_ONCE);
        server.sendC2d("d1", C2dRequest.of(null, new byte[] {1}));
        Mqtt3BlockingClient clean = server.client("d1");
        C2dReceiver received = C2dReceiver.on(clean, false);
        assertThat(connect(clean, true).isSessionPresent()).isFalse();
        await().atMost(WAIT).until(() -> server.core.sessions().get(D1).isEmpty());
        // no subscription, no delivery: the message is still waiting, not locked
        assertThat(server.stats("d1").enqueued()).isEqualTo(1);
        assertThat(received.pending()).isZero();
        clean.disconnect();

        Mqtt3BlockingClient later = server.client("d1");
        assertThat(connect(later, false).isSessionPresent()).as("the clean session removed it").isFalse();
        later.disconnect();
    }

    @Test
    void aCleanSessionSubscriptionIsNotRemembered() {
        Mqtt3BlockingClient clean = server.client("d1");
        connect(clean, true);
        C2dReceiver.subscribe(clean, "d1", MqttQos.AT_LEAST_ONCE);
        assertThat(server.core.sessions().get(D1)).isEmpty();
        clean.disconnect();
    }

    @Test
    void unsubscribeForgetsTheSessionsSubscription() {
        Mqtt3BlockingClient client = server.client("d1");
        connect(client, false);
        C2dReceiver.subscribe(client, "d1", MqttQos.AT_LEAST_ONCE);
        assertThat(server.core.sessions().get(D1)).isPresent();
        client.unsubscribeWith().topicFilter("devices/d1/messages/devicebound/#").send();
        assertThat(server.core.sessions().get(D1)).isEmpty();
        client.disconnect();

        Mqtt3BlockingClient again = server.client("d1");
        assertThat(connect(again, false).isSessionPresent()).isFalse();
        again.disconnect();
    }
}
