package io.gatehouse.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.events.EventSource;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.testing.ManualCore;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.time.Instant;
import org.apache.qpid.proton.amqp.messaging.Source;
import org.apache.qpid.proton.amqp.messaging.Target;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.EndpointState;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.engine.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Handler level, deterministic (an {@link EmbeddedChannel} and a core with manual shards): a reader that granted
 * plenty of credit gets no transfers while the socket cannot take them, and everything once it can.
 */
class SlowReceiverBackPressureTest {

    private final ManualCore hub = new ManualCore();
    private EmbeddedChannel channel;

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        hub.close();
    }

    private static int takeAll(Receiver receiver) {
        int count = 0;
        Delivery delivery;
        while ((delivery = receiver.current()) != null && !delivery.isPartial()) {
            receiver.advance();
            delivery.settle();
            count++;
        }
        return count;
    }

    @Test
    void noTransfersWhileTheChannelIsNotWritable() {
        Device device = hub.createDevice("slow");
        EventSource source = new EventSource(device.id(), device.generationId(), "{}");
        for (int i = 0; i < 300; i++) {
            hub.await(hub.core.events().append(source, MessageProperties.builder().messageId("e" + i).build(), new byte[64]));
        }
        channel = EmbeddedAmqpPeer.channel(hub);
        String token = SasTokens.serviceToken("hub.test", "service",
                hub.core.policies().get("service").orElseThrow().keys().primaryKey(), Instant.ofEpochMilli(hub.clock.millis()).plus(Duration.ofHours(1)));
        EmbeddedAmqpPeer peer = EmbeddedAmqpPeer.plain(channel, hub, "service", token);
        Session session = peer.connection.session();
        session.open();
        Receiver reader = session.receiver("reader");
        Source address = new Source();
        address.setAddress("messages/events/ConsumerGroups/$Default/Partitions/" + hub.core.events().partitionFor(device.id()));
        reader.setSource(address);
        reader.setTarget(new Target());
        reader.open();
        peer.exchange();
        assertThat(reader.getRemoteState()).isEqualTo(EndpointState.ACTIVE);

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        assertThat(channel.isWritable()).isFalse();
        reader.flow(1000);
        peer.exchange();
        assertThat(takeAll(reader)).isZero();

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        int received = 0;
        for (int i = 0; i < 50 && received < 300; i++) {
            peer.exchange();
            received += takeAll(reader);
        }
        assertThat(received).isEqualTo(300);
    }
}
