package io.gatehouse.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.DeviceStatus;
import io.gatehouse.core.registry.SymmetricKeys;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.ManualStore;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.qpid.proton.amqp.messaging.AmqpValue;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Source;
import org.apache.qpid.proton.amqp.messaging.Target;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.EndpointState;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.engine.Session;
import org.apache.qpid.proton.message.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code $cbs} put-token on a node sharing its registry: a device's refused token is answered only once the node caught up. */
class CbsPutTokenWaitsForRegistryCatchUpTest {

    private static final DeviceId LATE = DeviceId.of("late");

    private final ManualStore store = new ManualStore(HubSettings.defaults().eventPartitions());
    private final ManualCore hub = new ManualCore(HubSettings.defaults(), store);
    private final SymmetricKeys keys = SymmetricKeys.generate();
    private final UUID requestId = UUID.randomUUID();
    private EmbeddedChannel channel;
    private EmbeddedAmqpPeer peer;
    private Receiver replies;

    @BeforeEach
    void putTokenOfADeviceNotKnownHereYet() {
        store.shareWithOtherNodes();
        channel = EmbeddedAmqpPeer.channel(hub);
        peer = EmbeddedAmqpPeer.anonymous(channel, hub);
        Session session = peer.connection.session();
        session.open();
        Sender requests = session.sender("cbs-requests");
        Target cbs = new Target();
        cbs.setAddress("$cbs");
        requests.setTarget(cbs);
        requests.setSource(new Source());
        requests.open();
        replies = session.receiver("cbs-replies");
        Source from = new Source();
        from.setAddress("$cbs");
        replies.setSource(from);
        Target replyTo = new Target();
        replyTo.setAddress("cbs");
        replies.setTarget(replyTo);
        replies.open();
        replies.flow(10);
        peer.exchange();
        assertThat(requests.getRemoteState()).isEqualTo(EndpointState.ACTIVE);
        assertThat(replies.getRemoteState()).isEqualTo(EndpointState.ACTIVE);

        String token = SasTokens.deviceToken(TestHub.HOST, LATE.value(), keys.primaryKey(),
                hub.clock.now().plus(Duration.ofHours(1)));
        send(requests, putToken(TestHub.HOST + "/devices/" + LATE.value(), token));
        peer.exchange();

        assertThat(store.pendingCatchUps()).isEqualTo(1);
        assertThat(replies.current()).as("no reply while the catch-up waits").isNull();
    }

    @AfterEach
    void stop() {
        channel.finishAndReleaseAll();
        hub.close();
    }

    private Message putToken(String name, String token) {
        Message request = Message.Factory.create();
        request.setMessageId(requestId);
        request.setAddress("$cbs");
        request.setReplyTo("cbs");
        request.setApplicationProperties(new ApplicationProperties(Map.of(
                "operation", "put-token", "type", "servicebus.windows.net:sastoken", "name", name)));
        request.setBody(new AmqpValue(token));
        return request;
    }

    private static void send(Sender sender, Message message) {
        byte[] buffer = new byte[4096];
        int size = message.encode(buffer, 0, buffer.length);
        sender.delivery(new byte[] {1});
        sender.send(buffer, 0, size);
        sender.advance();
    }

    /** The reply that arrived, checked to correlate with the request. */
    private Message reply() {
        Delivery delivery = replies.current();
        assertThat(delivery).as("a put-token reply").isNotNull();
        assertThat(delivery.isPartial()).isFalse();
        byte[] bytes = new byte[delivery.pending()];
        int size = replies.recv(bytes, 0, bytes.length);
        replies.advance();
        delivery.settle();
        Message reply = Message.Factory.create();
        reply.decode(bytes, 0, size);
        assertThat(reply.getCorrelationId()).isEqualTo(requestId);
        return reply;
    }

    private static Object status(Message reply) {
        return reply.getApplicationProperties().getValue().get("status-code");
    }

    @Test
    void aDeviceCreatedOnAnotherNodeGets200OnceCaughtUp() {
        hub.await(hub.core.registry().create(LATE, DeviceStatus.ENABLED, null, keys)); // what the catch-up brings
        peer.exchange();
        assertThat(replies.current()).as("no reply before the catch-up completes").isNull();

        store.completeCatchUps();
        peer.exchange();

        assertThat(status(reply())).isEqualTo(200);
        // the connection now speaks for the device: its telemetry link attaches
        Sender telemetry = peer.attachSender("telemetry", "/devices/late/messages/events");
        assertThat(telemetry.getRemoteState()).isEqualTo(EndpointState.ACTIVE);
        assertThat((Object) telemetry.getRemoteCondition().getCondition()).as("refusal").isNull();
    }

    @Test
    void aDeviceNoNodeKnowsGets401OnceCaughtUp() {
        store.completeCatchUps();
        peer.exchange();

        assertThat(status(reply())).isEqualTo(401);
        assertThat(store.pendingCatchUps()).isZero();
        assertThat(channel.isOpen()).as("a refused put-token leaves the connection up").isTrue();
    }
}
