package io.gatehouse.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Outcome;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.mqtt.support.EmbeddedMqtt;
import io.gatehouse.mqtt.support.RawMqttClient;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connection handler driven through Netty's EmbeddedChannel and a core with manual shards and a manual
 * clock: every step is deterministic, so the flush batching and lock bookkeeping can be checked exactly.
 */
class EmbeddedConnectionTest {

    private ManualCore core;
    private EmbeddedMqtt mqtt;
    private EmbeddedChannel channel;
    private int flushes;

    @BeforeEach
    void connect() {
        core = new ManualCore();
        core.createDevice("d1");
        mqtt = new EmbeddedMqtt(core);
        channel = mqtt.channel;
        channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes++;
                ctx.flush();
            }
        });
        String token = SasTokens.deviceToken("hub", "d1", core.core.registry().get(DeviceId.of("d1")).orElseThrow()
                .keys().primaryKey(), core.clock.now().plus(Duration.ofHours(1)));
        send(RawMqttClient.connect("d1", "hub/d1/?api-version=1", token, true, 60));
        List<MqttMessage> replies = received();
        assertThat(replies).hasSize(1);
        assertThat(((MqttConnAckMessage) replies.get(0)).variableHeader().connectReturnCode())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
    }

    @AfterEach
    void close() {
        mqtt.close();
        core.close();
    }

    private void send(MqttMessage... messages) {
        mqtt.send(messages);
    }

    private void settle() {
        mqtt.settle();
    }

    private List<MqttMessage> received() {
        return mqtt.received();
    }

    private static MqttPublishMessage telemetry(int packetId) {
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                new MqttPublishVariableHeader("devices/d1/messages/events/", packetId), Unpooled.wrappedBuffer(new byte[] {1}));
    }

    private void subscribeC2d() {
        send(MqttMessageBuilders.subscribe().messageId(1)
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "devices/d1/messages/devicebound/#").build());
        assertThat(received()).extracting(m -> m.fixedHeader().messageType()).containsExactly(MqttMessageType.SUBACK);
    }

    private int publishedPacketId(MqttMessage message) {
        MqttPublishMessage publish = (MqttPublishMessage) message;
        try {
            return publish.variableHeader().packetId();
        } finally {
            ReferenceCountUtil.release(publish);
        }
    }

    private long completed() {
        return core.core.c2d().counters().snapshot().ended(Outcome.COMPLETED);
    }

    @Test
    void pubAcksOfOneReadGoOutInOneFlushInPublishOrder() {
        // [MQTT-4.6.0-2] PUBACKs in the order of the PUBLISHes; and one flush (one syscall) for the batch
        int before = flushes;
        send(telemetry(3), telemetry(1), telemetry(2));
        assertThat(flushes - before).isEqualTo(1);
        assertThat(received()).extracting(m -> ((MqttPubAckMessage) m).variableHeader().messageId()).containsExactly(3, 1, 2);
        assertThat(core.core.events().appendedCount()).isEqualTo(3);
    }

    @Test
    void eachDeliveryGetsItsOwnPacketIdAndPubAckCompletesOnlyItsMessage() {
        subscribeC2d();
        core.await(core.core.c2d().send(DeviceId.of("d1"), C2dRequest.of("a", new byte[] {1})));
        core.await(core.core.c2d().send(DeviceId.of("d1"), C2dRequest.of("b", new byte[] {2})));
        settle();
        List<MqttMessage> publishes = received();
        assertThat(publishes).hasSize(2);
        int first = publishedPacketId(publishes.get(0));
        int second = publishedPacketId(publishes.get(1));
        assertThat(first).isNotEqualTo(second);

        send(MqttMessageBuilders.pubAck().packetId(second).build());
        assertThat(completed()).isEqualTo(1);
        send(MqttMessageBuilders.pubAck().packetId(second).build()); // a duplicate: ignored
        assertThat(completed()).isEqualTo(1);
        send(MqttMessageBuilders.pubAck().packetId(first).build());
        assertThat(completed()).isEqualTo(2);
        assertThat(channel.isActive()).isTrue();
    }

    @Test
    void aLostLockIsRedeliveredUnderANewPacketIdAndItsOldPubAckIsIgnored() {
        subscribeC2d();
        core.await(core.core.c2d().send(DeviceId.of("d1"), C2dRequest.of("a", new byte[] {1})));
        settle();
        int first = publishedPacketId(received().get(0));

        core.advance(HubSettings.defaults().c2dLockDuration().plusSeconds(1)); // lock timeout
        settle();
        List<MqttMessage> again = received();
        assertThat(again).hasSize(1);
        int second = publishedPacketId(again.get(0));
        assertThat(second).isNotEqualTo(first);

        send(MqttMessageBuilders.pubAck().packetId(first).build());
        assertThat(completed()).isZero();
        send(MqttMessageBuilders.pubAck().packetId(second).build());
        assertThat(completed()).isEqualTo(1);
        assertThat(core.core.c2d().counters().snapshot().delivered()).isEqualTo(2);
    }

    @Test
    void closingTheConnectionAbandonsWhatIsInFlightAtOnce() {
        subscribeC2d();
        core.await(core.core.c2d().send(DeviceId.of("d1"), C2dRequest.of("a", new byte[] {1})));
        settle();
        received().forEach(ReferenceCountUtil::release);
        channel.close();
        settle();
        assertThat(core.core.c2d().counters().snapshot().abandoned()).isEqualTo(1);
        assertThat(core.await(core.core.c2d().stats(DeviceId.of("d1"))).enqueued()).isEqualTo(1);
        assertThat(core.core.connections().isConnected(DeviceId.of("d1"))).isFalse();
    }

    @Test
    void garbageAfterConnectClosesTheConnectionAndLeaksNothing() {
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xF0, 0x00, 0x01, 0x02}));
        settle();
        assertThat(channel.isActive()).isFalse();
    }
}
