package io.gatehouse.mqtt.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.nio.charset.StandardCharsets;

/**
 * Writes an MQTT 3.1.1 PUBLISH straight into one buffer, from a topic still in its builder and the payload's bytes:
 * the packet Netty's {@code MqttEncoder} would write for the same message, byte for byte.
 *
 * <p>Why: going through Netty's message objects, every C2D delivery built its topic as a string (and Netty then
 * its UTF-8 bytes), a fixed header, a variable header, the message, and a buffer wrapping the payload, only for
 * the encoder to copy it all into the outbound buffer: about a sixth of the bytes a delivery allocated.
 */
public final class PublishEncoder {

    /** A topic's length is written in two bytes. */
    public static final int MAX_TOPIC_BYTES = 0xFFFF;
    /** The largest remaining length four length bytes can say. */
    private static final int MAX_REMAINING_LENGTH = 268_435_455;
    private static final int PUBLISH = 3;

    private PublishEncoder() {
    }

    /** The topic's length in UTF-8, to check against {@link #MAX_TOPIC_BYTES} before {@link #encode}. */
    public static int topicBytes(CharSequence topic) {
        return ByteBufUtil.utf8Bytes(topic);
    }

    /**
     * A PUBLISH of {@code payload} to {@code topic} ({@code topicBytes} long in UTF-8), neither duplicate nor
     * retained; {@code packetId} goes out only above QoS 0.
     *
     * @throws IllegalArgumentException for a topic longer than {@link #MAX_TOPIC_BYTES} or a packet too large
     */
    public static ByteBuf encode(ByteBufAllocator alloc, CharSequence topic, int topicBytes, MqttQoS qos, int packetId,
                                 byte[] payload) {
        if (topicBytes > MAX_TOPIC_BYTES) {
            throw new IllegalArgumentException("a topic of " + topicBytes + " bytes does not fit a PUBLISH");
        }
        long remaining = 2L + topicBytes + (qos == MqttQoS.AT_MOST_ONCE ? 0 : 2) + payload.length;
        if (remaining > MAX_REMAINING_LENGTH) {
            throw new IllegalArgumentException("a PUBLISH of " + remaining + " bytes is over MQTT's limit");
        }
        ByteBuf packet = alloc.buffer(1 + lengthBytes((int) remaining) + (int) remaining);
        packet.writeByte(PUBLISH << 4 | qos.value() << 1);
        writeRemainingLength(packet, (int) remaining);
        packet.writeShort(topicBytes);
        packet.writeCharSequence(topic, StandardCharsets.UTF_8);
        if (qos != MqttQoS.AT_MOST_ONCE) {
            packet.writeShort(packetId);
        }
        packet.writeBytes(payload);
        return packet;
    }

    private static int lengthBytes(int remaining) {
        int bytes = 1;
        while (remaining > 127) {
            remaining >>>= 7;
            bytes++;
        }
        return bytes;
    }

    /** Seven bits a byte, least significant first, the top bit set on all but the last. */
    private static void writeRemainingLength(ByteBuf packet, int remaining) {
        do {
            int digit = remaining & 0x7F;
            remaining >>>= 7;
            packet.writeByte(remaining > 0 ? digit | 0x80 : digit);
        } while (remaining > 0);
    }
}
