package io.gatehouse.mqtt.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes the packets that make up nearly all of a device's traffic, PUBLISH (QoS 0 and 1) and PUBACK, and hands
 * every other packet, whole and unread, to Netty's {@code MqttDecoder} behind it.
 *
 * <p>Why: Netty decodes every topic through a strict {@code CharsetDecoder} (a char buffer, its array, an NIO view
 * of the network buffer, then the string): a fifth of all the bytes a telemetry message made the gateway allocate.
 * A topic of ASCII bytes is valid UTF-8 as it stands and needs none of that.
 *
 * <p>Only what is plainly well formed takes the fast path: an MQTT 3.1.1 connection (after a CONNECT naming it),
 * a topic of ASCII bytes without wildcards, a non-zero packet id, a PUBACK of exactly a packet id with no flags.
 * Anything else is forwarded untouched, so Netty's decoder refuses it exactly as before; and from a remaining
 * length that does not parse, or a packet over the size limit, on, every byte is forwarded.
 */
public final class HotPacketDecoder extends ByteToMessageDecoder {

    private static final int CONNECT = 1;
    private static final int PUBLISH = 3;
    private static final int PUBACK = 4;
    private static final int MQTT_3_1_1 = 4;

    private final int maxPacketSize;
    /** A CONNECT for MQTT 3.1.1 went by: PUBLISH and PUBACK may be decoded here. */
    private boolean hot;
    /** Something malformed or too large went by: Netty's decoder sees everything from here on. */
    private boolean forwardAll;

    public HotPacketDecoder(int maxPacketSize) {
        this.maxPacketSize = maxPacketSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (forwardAll) {
            out.add(in.readRetainedSlice(in.readableBytes()));
            return;
        }
        int start = in.readerIndex();
        int remaining = 0;
        int at = start + 1;
        for (int digits = 0, multiplier = 1; ; digits++, multiplier *= 128) {
            if (digits == 4) {
                forwardAll(in, out); // a fifth length byte: Netty reports the malformed length
                return;
            }
            if (at >= in.writerIndex()) {
                return; // the fixed header is not all here yet
            }
            int digit = in.getUnsignedByte(at++);
            remaining += (digit & 0x7F) * multiplier;
            if ((digit & 0x80) == 0) {
                break;
            }
        }
        if (remaining > maxPacketSize) {
            forwardAll(in, out); // Netty refuses it as too long
            return;
        }
        int end = at + remaining;
        if (end > in.writerIndex()) {
            return; // the rest of the packet is still on its way
        }
        int first = in.getUnsignedByte(start);
        Object packet = hot ? decodeHot(in, first, at, end) : null;
        if (packet == null) {
            if (first >> 4 == CONNECT) {
                hot = isMqtt311Connect(in, at, end);
            }
            packet = in.retainedSlice(start, end - start);
        }
        in.readerIndex(end);
        out.add(packet);
    }

    private void forwardAll(ByteBuf in, List<Object> out) {
        forwardAll = true;
        out.add(in.readRetainedSlice(in.readableBytes()));
    }

    /** The packet in {@code [body, end)} decoded, or null when Netty's decoder should see it. */
    private static Object decodeHot(ByteBuf in, int first, int body, int end) {
        int type = first >> 4;
        if (type == PUBLISH) {
            return publish(in, first & 0x0F, body, end);
        }
        if (type == PUBACK && (first & 0x0F) == 0 && end - body == 2) {
            int packetId = in.getUnsignedShort(body);
            return packetId == 0 ? null : new MqttPubAckMessage(
                    new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE, false, 2),
                    MqttMessageIdVariableHeader.from(packetId));
        }
        return null;
    }

    private static MqttPublishMessage publish(ByteBuf in, int flags, int body, int end) {
        int qos = (flags >> 1) & 0x03;
        if (qos > 1 || end - body < 2) {
            return null;
        }
        int topicLength = in.getUnsignedShort(body);
        int at = body + 2;
        if (topicLength == 0 || at + topicLength > end || !isAsciiWithoutWildcards(in, at, topicLength)) {
            return null;
        }
        String topic = in.toString(at, topicLength, StandardCharsets.US_ASCII);
        at += topicLength;
        int packetId = -1; // what Netty gives a QoS 0 PUBLISH
        if (qos == 1) {
            if (at + 2 > end) {
                return null;
            }
            packetId = in.getUnsignedShort(at);
            if (packetId == 0) {
                return null;
            }
            at += 2;
        }
        MqttFixedHeader header = new MqttFixedHeader(MqttMessageType.PUBLISH, (flags & 0x08) != 0,
                MqttQoS.valueOf(qos), (flags & 0x01) != 0, end - body);
        return new MqttPublishMessage(header, new MqttPublishVariableHeader(topic, packetId),
                in.retainedSlice(at, end - at));
    }

    private static boolean isAsciiWithoutWildcards(ByteBuf in, int from, int length) {
        for (int i = from, end = from + length; i < end; i++) {
            byte b = in.getByte(i);
            if (b < 0 || b == '#' || b == '+') {
                return false;
            }
        }
        return true;
    }

    /** A CONNECT naming protocol "MQTT" at level 4; anything else stays with Netty's decoder throughout. */
    private static boolean isMqtt311Connect(ByteBuf in, int body, int end) {
        return end - body >= 7 && in.getUnsignedShort(body) == 4 && in.getByte(body + 2) == 'M'
                && in.getByte(body + 3) == 'Q' && in.getByte(body + 4) == 'T' && in.getByte(body + 5) == 'T'
                && in.getByte(body + 6) == MQTT_3_1_1;
    }
}
