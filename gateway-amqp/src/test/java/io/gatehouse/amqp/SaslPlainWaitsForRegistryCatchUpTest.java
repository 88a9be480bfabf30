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
import org.apache.qpid.proton.engine.EndpointState;
import org.apache.qpid.proton.engine.Sasl;
import org.apache.qpid.proton.engine.Sender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SASL PLAIN on a node sharing its registry: a device's refused token gets its outcome only once the node caught up. */
class SaslPlainWaitsForRegistryCatchUpTest {

    private static final DeviceId LATE = DeviceId.of("late");

    private final ManualStore store = new ManualStore(HubSettings.defaults().eventPartitions());
    private final ManualCore hub = new ManualCore(HubSettings.defaults(), store);
    private final SymmetricKeys keys = SymmetricKeys.generate();
    private EmbeddedChannel channel;
    private EmbeddedAmqpPeer peer;

    @BeforeEach
    void signInAsADeviceNotKnownHereYet() {
        store.shareWithOtherNodes();
        channel = EmbeddedAmqpPeer.channel(hub);
        String token = SasTokens.deviceToken(TestHub.HOST, LATE.value(), keys.primaryKey(),
                hub.clock.now().plus(Duration.ofHours(1)));
        peer = EmbeddedAmqpPeer.plain(channel, hub, LATE.value() + "@sas.gatehouse", token);
        peer.exchange();

        assertThat(store.pendingCatchUps()).isEqualTo(1);
        assertThat(peer.sasl.getOutcome()).isEqualTo(Sasl.SaslOutcome.PN_SASL_NONE);
        assertThat(peer.connection.getRemoteState()).isEqualTo(EndpointState.UNINITIALIZED);
        assertThat(channel.isOpen()).isTrue();
    }

    @AfterEach
    void stop() {
        channel.finishAndReleaseAll();
        hub.close();
    }

    @Test
    void aDeviceCreatedOnAnotherNodeSignsInOnceCaughtUp() {
        hub.await(hub.core.registry().create(LATE, DeviceStatus.ENABLED, null, keys)); // what the catch-up brings
        peer.exchange();
        assertThat(peer.sasl.getOutcome()).as("no outcome before the catch-up completes").isEqualTo(Sasl.SaslOutcome.PN_SASL_NONE);

        store.completeCatchUps();
        peer.exchange();

        assertThat(peer.sasl.getOutcome()).isEqualTo(Sasl.SaslOutcome.PN_SASL_OK);
        assertThat(peer.connection.getRemoteState()).isEqualTo(EndpointState.ACTIVE);
        Sender telemetry = peer.attachSender("telemetry", "/devices/late/messages/events");
        assertThat(telemetry.getRemoteState()).isEqualTo(EndpointState.ACTIVE);
        assertThat((Object) telemetry.getRemoteCondition().getCondition()).as("refusal").isNull();
        assertThat(telemetry.getCredit()).isPositive();
    }

    @Test
    void aDeviceNoNodeKnowsIsRefusedOnceCaughtUp() {
        store.completeCatchUps();
        peer.exchange();

        assertThat(peer.sasl.getOutcome()).isEqualTo(Sasl.SaslOutcome.PN_SASL_AUTH);
        assertThat(channel.isOpen()).isFalse();
        assertThat(peer.connection.getRemoteState()).isEqualTo(EndpointState.UNINITIALIZED);
        assertThat(store.pendingCatchUps()).isZero();
    }
}
