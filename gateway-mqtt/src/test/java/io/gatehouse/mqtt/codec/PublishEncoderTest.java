package io.gatehouse.mqtt.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A PUBLISH written by {@link PublishEncoder} is the one Netty's encoder writes for the same message, byte for byte. */
class PublishEncoderTest {

    @ParameterizedTest(name = "{0}, topic of {1} chars, remaining length {2}")
    @CsvSource({
            // the remaining length takes one more byte from 128, 16,384 and 2,097,152 on
            "AT_LEAST_ONCE, 40, 127", "AT_LEAST_ONCE, 40, 128", "AT_MOST_ONCE, 40, 127", "AT_MOST_ONCE, 40, 128",
            "AT_LEAST_ONCE, 300, 16383", "AT_LEAST_ONCE, 300, 16384", "AT_MOST_ONCE, 300, 16384",
            "AT_LEAST_ONCE, 50000, 2097151", "AT_LEAST_ONCE, 50000, 2097152", "AT_MOST_ONCE, 32, 36"})
    void writesWhatNettyWrites(MqttQoS qos, int topicChars, int remaining) {
        Random random = new Random(topicChars * 31L + remaining);
        StringBuilder topic = new StringBuilder("devices/d1/messages/devicebound/");
        while (topic.length() < topicChars) {
            // some two- and three-byte characters, and a surrogate pair
            int pick = random.nextInt(20);
            topic.append(pick == 0 ? "é" : pick == 1 ? "€" : pick == 2 ? "😀" : String.valueOf((char) ('a' + random.nextInt(26))));
        }
        int packetId = qos == MqttQoS.AT_MOST_ONCE ? 0 : 1 + random.nextInt(65_535);
        int topicBytes = PublishEncoder.topicBytes(topic);
        byte[] payload = new byte[remaining - 2 - topicBytes - (qos == MqttQoS.AT_MOST_ONCE ? 0 : 2)];
        random.nextBytes(payload);

        ByteBuf ours = PublishEncoder.encode(ByteBufAllocator.DEFAULT, topic, topicBytes, qos, packetId, payload);
        ByteBuf netty = nettyEncodes(new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, qos, false, 0),
                new MqttPublishVariableHeader(topic.toString(), packetId), Unpooled.wrappedBuffer(payload)));
        try {
            assertThat(ours.readableBytes()).isEqualTo(netty.readableBytes());
            assertThat(ByteBufUtil.equals(ours, netty)).as("the same bytes").isTrue();
        } finally {
            ours.release();
            netty.release();
        }
    }

    @ParameterizedTest
    @CsvSource({"65535, false", "65536, true"})
    void aTopicLongerThanTwoLengthBytesSayIsRefused(int topicBytes, boolean refused) {
        String topic = "t".repeat(topicBytes);
        if (refused) {
            assertThatThrownBy(() -> PublishEncoder.encode(ByteBufAllocator.DEFAULT, topic, topicBytes, MqttQoS.AT_LEAST_ONCE, 1,
                    new byte[0])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65536");
        } else {
            ByteBuf packet = PublishEncoder.encode(ByteBufAllocator.DEFAULT, topic, topicBytes, MqttQoS.AT_LEAST_ONCE, 1,
                    new byte[0]);
            assertThat(packet.getUnsignedShort(4)).isEqualTo(65_535); // after the type byte and three length bytes
            packet.release();
        }
    }

    private static ByteBuf nettyEncodes(MqttPublishMessage message) {
        EmbeddedChannel channel = new EmbeddedChannel(MqttEncoder.INSTANCE);
        channel.writeOutbound(message);
        ByteBuf all = Unpooled.buffer();
        ByteBuf part;
        while ((part = channel.readOutbound()) != null) {
            all.writeBytes(part);
            part.release();
        }
        channel.finishAndReleaseAll();
        return all;
    }
}
