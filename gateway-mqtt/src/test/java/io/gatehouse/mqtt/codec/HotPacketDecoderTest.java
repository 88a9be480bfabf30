package io.gatehouse.mqtt.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.mqtt.support.RawMqttClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast path decodes exactly what Netty's decoder alone would, whatever the packets and however the bytes are
 * split, and leaves to Netty's decoder everything out of the ordinary.
 */
class HotPacketDecoderTest {

    private static final int MAX = 4096;

    @Test
    void randomTrafficDecodesAsNettyAloneDecodesItHoweverTheBytesAreSplit() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            stream.writeBytes(connect(MqttVersion.MQTT_3_1_1));
            for (int i = 0; i < 30; i++) {
                stream.writeBytes(randomPacket(random));
            }
            byte[] bytes = stream.toByteArray();

            assertThat(decodeInPieces(bytes, random, true)).as("round %d", round)
                    .isEqualTo(decodeInPieces(bytes, random, false));
        }
    }

    @Test
    void plainPublishesAndPubAcksTakeTheFastPathAndTheRestGoesToNetty() {
        EmbeddedChannel channel = new EmbeddedChannel(new HotPacketDecoder(MAX));
        channel.writeInbound(Unpooled.wrappedBuffer(connect(MqttVersion.MQTT_3_1_1)));
        channel.writeInbound(Unpooled.wrappedBuffer(publish("devices/d1/messages/events/", 1, 7, "x")));
        channel.writeInbound(Unpooled.wrappedBuffer(puback(9)));
        channel.writeInbound(Unpooled.wrappedBuffer(publish("devices/d1/messages/events/温度", 1, 8, "x")));
        channel.writeInbound(Unpooled.wrappedBuffer(publish("devices/+/messages/events/", 0, 0, "x")));

        List<Object> out = drain(channel);
        assertThat(out).hasSize(5);
        assertThat(out.get(0)).as("CONNECT").isInstanceOf(ByteBuf.class);
        assertThat(out.get(1)).isInstanceOf(MqttPublishMessage.class);
        assertThat(out.get(2)).isInstanceOf(MqttPubAckMessage.class);
        assertThat(out.get(3)).as("a topic that is not ASCII").isInstanceOf(ByteBuf.class);
        assertThat(out.get(4)).as("a topic with a wildcard").isInstanceOf(ByteBuf.class);
        out.forEach(ReferenceCountUtil::release);
    }

    @Test
    void beforeAnMqtt311ConnectEverythingGoesToNetty() {
        for (byte[] connect : List.of(new byte[0], connect(MqttVersion.MQTT_3_1), connect(MqttVersion.MQTT_5))) {
            EmbeddedChannel channel = new EmbeddedChannel(new HotPacketDecoder(MAX));
            if (connect.length > 0) {
                channel.writeInbound(Unpooled.wrappedBuffer(connect));
            }
            channel.writeInbound(Unpooled.wrappedBuffer(publish("t", 1, 1, "x")));
            List<Object> out = drain(channel);
            assertThat(out).allSatisfy(o -> assertThat(o).isInstanceOf(ByteBuf.class));
            out.forEach(ReferenceCountUtil::release);
        }
    }

    @Test
    void malformedAndOversizedPacketsAreRefusedAsNettyRefusesThem() {
        byte[] zeroPacketId = publish("devices/d1/messages/events/", 1, 0, "x");
        byte[] qos3 = publish("t", 1, 5, "x");
        qos3[0] |= 0x06;
        byte[] badUtf8 = publish("ab", 0, 0, "x");
        badUtf8[4] = (byte) 0xC3;
        badUtf8[5] = (byte) 0x28;
        byte[] fiveLengthBytes = {0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01};
        byte[] oversized = publish("t", 0, 0, "x".repeat(MAX + 10));
        byte[] pubAckWithFlags = puback(3);
        pubAckWithFlags[0] |= 0x02;
        byte[] emptyTopic = publish("", 0, 0, "x");
        for (byte[] bad : List.of(zeroPacketId, qos3, badUtf8, fiveLengthBytes, oversized, pubAckWithFlags, emptyTopic)) {
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            stream.writeBytes(connect(MqttVersion.MQTT_3_1_1));
            stream.writeBytes(publish("devices/d1/messages/events/", 1, 1, "fine"));
            stream.writeBytes(bad);
            stream.writeBytes(publish("devices/d1/messages/events/", 1, 2, "after"));
            byte[] bytes = stream.toByteArray();

            List<String> withFastPath = decodeInPieces(bytes, new Random(1), true);
            assertThat(withFastPath).as(ByteBufUtil.hexDump(bad, 0, Math.min(bad.length, 16)))
                    .isEqualTo(decodeInPieces(bytes, new Random(1), false));
            if (bad != emptyTopic) { // Netty lets an empty topic through; the router refuses it
                assertThat(withFastPath.get(withFastPath.size() - 1)).startsWith("failed");
            }
        }
    }

    /**
     * What the pipeline decodes from {@code bytes} fed in random pieces, each packet described as text, up to the
     * first refused one: the connection handler closes the connection on it and reads nothing after it (Netty's
     * decoder then drops the rest, the fast path may still decode it: nobody looks).
     */
    private static List<String> decodeInPieces(byte[] bytes, Random random, boolean fastPath) {
        EmbeddedChannel channel = fastPath
                ? new EmbeddedChannel(new HotPacketDecoder(MAX), new MqttDecoder(MAX, 64))
                : new EmbeddedChannel(new MqttDecoder(MAX, 64));
        for (int at = 0; at < bytes.length; ) {
            int piece = Math.min(bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 4 : 200));
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, at, piece));
            at += piece;
        }
        List<String> described = new ArrayList<>();
        for (Object o : drain(channel)) {
            if (described.isEmpty() || !described.get(described.size() - 1).startsWith("failed")) {
                described.add(describe((MqttMessage) o));
            }
            ReferenceCountUtil.release(o);
        }
        channel.finishAndReleaseAll();
        return described;
    }

    private static List<Object> drain(EmbeddedChannel channel) {
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = channel.readInbound()) != null) {
            out.add(o);
        }
        return out;
    }

    private static String describe(MqttMessage m) {
        if (m.decoderResult().isFailure()) {
            return "failed: " + m.decoderResult().cause().getClass().getSimpleName();
        }
        MqttFixedHeader h = m.fixedHeader();
        String text = h.messageType() + " dup=" + h.isDup() + " qos=" + h.qosLevel() + " retain=" + h.isRetain()
                + " length=" + h.remainingLength();
        if (m instanceof MqttPublishMessage p) {
            text += " topic=" + p.variableHeader().topicName() + " id=" + p.variableHeader().packetId()
                    + " payload=" + ByteBufUtil.hexDump(p.payload());
        } else if (m.variableHeader() instanceof MqttMessageIdVariableHeader id) {
            text += " id=" + id.messageId();
        }
        return text;
    }

    private static byte[] randomPacket(Random random) {
        return switch (random.nextInt(6)) {
            case 0, 1 -> publish(randomTopic(random), random.nextInt(2), 1 + random.nextInt(65535),
                    "p".repeat(random.nextInt(300)));
            case 2 -> puback(1 + random.nextInt(65535));
            case 3 -> RawMqttClient.encode(MqttMessage.PINGREQ);
            case 4 -> RawMqttClient.encode(MqttMessageBuilders.subscribe().messageId(1 + random.nextInt(100))
                    .addSubscription(MqttQoS.AT_LEAST_ONCE, "devices/d1/messages/devicebound/#").build());
            default -> {
                byte[] p = publish(randomTopic(random), 1, 1 + random.nextInt(100), "r");
                p[0] |= 0x09; // dup and retain
                yield p;
            }
        };
    }

    private static String randomTopic(Random random) {
        String[] topics = {"devices/d1/messages/events/", "devices/d1/messages/events/$.ct=a%2Fb&k=v",
                "$iothub/twin/GET/?$rid=1", "devices/d1/messages/events/grüße", "a/#", "t"};
        return topics[random.nextInt(topics.length)];
    }

    private static byte[] connect(MqttVersion version) {
        MqttConnectMessage connect = MqttMessageBuilders.connect().clientId("d1").protocolVersion(version)
                .cleanSession(true).keepAlive(60).build();
        return RawMqttClient.encode(connect);
    }

    private static byte[] publish(String topic, int qos, int packetId, String payload) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream variable = new ByteArrayOutputStream();
        variable.write(t.length >> 8);
        variable.write(t.length & 0xFF);
        variable.writeBytes(t);
        if (qos > 0) {
            variable.write(packetId >> 8);
            variable.write(packetId & 0xFF);
        }
        variable.writeBytes(body);
        return packet(0x30 | (qos << 1), variable.toByteArray());
    }

    private static byte[] puback(int packetId) {
        return packet(0x40, new byte[] {(byte) (packetId >> 8), (byte) packetId});
    }

    private static byte[] packet(int first, byte[] rest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(first);
        int length = rest.length;
        do {
            int digit = length % 128;
            length /= 128;
            out.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        out.writeBytes(rest);
        return out.toByteArray();
    }
}
