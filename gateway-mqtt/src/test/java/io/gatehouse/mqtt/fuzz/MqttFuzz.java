package io.gatehouse.mqtt.fuzz;

import io.gatehouse.mqtt.support.RawMqttClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Random;

/**
 * Sends malformed MQTT to a live listener, one short connection per case: random bytes, valid sessions cut
 * short at a random byte, valid sessions with flipped bits, random packet types and flags after a valid CONNECT,
 * absurd lengths. Used by {@link MalformedInputTest} (bounded) and {@link MqttFuzzer} (long runs).
 */
public final class MqttFuzz {

    public enum Kind { RANDOM_BYTES, TRUNCATED, BIT_FLIPS, RANDOM_PACKETS_AFTER_CONNECT, HUGE_LENGTH }

    private final int port;
    private final String device;
    private final String userName;
    private final String token;

    public MqttFuzz(int port, String device, String userName, String token) {
        this.port = port;
        this.device = device;
        this.userName = userName;
        this.token = token;
    }

    /** Runs one case; returns its kind. I/O errors (the server closing on us) are expected and swallowed. */
    public Kind runOne(Random random) {
        Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
        byte[] bytes = switch (kind) {
            case RANDOM_BYTES -> randomBytes(random, 1 + random.nextInt(512));
            case TRUNCATED -> truncate(validSession(random), random);
            case BIT_FLIPS -> flipBits(validSession(random), random);
            case RANDOM_PACKETS_AFTER_CONNECT -> concat(encode(connect()), randomPackets(random));
            case HUGE_LENGTH -> concat(encode(connect()), new byte[] {0x30, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 0, 1});
        };
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(200);
            OutputStream out = socket.getOutputStream();
            int chunk = 1 + random.nextInt(bytes.length);
            for (int i = 0; i < bytes.length; i += chunk) {
                out.write(bytes, i, Math.min(chunk, bytes.length - i));
                out.flush();
            }
            if (random.nextBoolean()) {
                drainBriefly(socket.getInputStream());
            }
        } catch (IOException e) {
            // the server closed or reset the connection: exactly what malformed input should get
        }
        return kind;
    }

    private static void drainBriefly(InputStream in) throws IOException {
        byte[] buffer = new byte[4096];
        try {
            while (in.read(buffer) >= 0) {
                // read whatever the server answers until it closes or goes quiet
            }
        } catch (SocketTimeoutException | SocketException e) {
            // quiet or reset: done
        }
    }

    private MqttMessage connect() {
        return RawMqttClient.connect(device, userName, token, true, 60);
    }

    /** A plausible device session: CONNECT, telemetry at each QoS, SUBSCRIBE, PUBACK, PINGREQ, UNSUBSCRIBE. */
    private byte[] validSession(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(encode(connect()));
        int packets = 1 + random.nextInt(6);
        for (int i = 0; i < packets; i++) {
            MqttMessage message = switch (random.nextInt(6)) {
                case 0 -> publish("devices/" + device + "/messages/events/$.mid=" + i + "&k=v", MqttQoS.AT_LEAST_ONCE, i + 1, random);
                case 1 -> publish("devices/" + device + "/messages/events", MqttQoS.AT_MOST_ONCE, 0, random);
                case 2 -> MqttMessageBuilders.subscribe().messageId(i + 1)
                        .addSubscription(MqttQoS.AT_LEAST_ONCE, "devices/" + device + "/messages/devicebound/#")
                        .addSubscription(MqttQoS.AT_MOST_ONCE, "$iothub/twin/res/#").build();
                case 3 -> MqttMessageBuilders.pubAck().packetId(1 + random.nextInt(3)).build();
                case 4 -> RawMqttClient.pingReq();
                default -> MqttMessageBuilders.unsubscribe().messageId(i + 1)
                        .addTopicFilter("devices/" + device + "/messages/devicebound/#").build();
            };
            out.writeBytes(encode(message));
        }
        return out.toByteArray();
    }

    private static MqttPublishMessage publish(String topic, MqttQoS qos, int packetId, Random random) {
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, qos, false, 0),
                new MqttPublishVariableHeader(topic, packetId), Unpooled.wrappedBuffer(randomBytes(random, random.nextInt(300))));
    }

    /** Packets with random type, flags and short random bodies (lengths honest or not). */
    private static byte[] randomPackets(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int packets = 1 + random.nextInt(5);
        for (int i = 0; i < packets; i++) {
            int body = random.nextInt(64);
            out.write(random.nextInt(256));
            out.write(random.nextInt(4) == 0 ? random.nextInt(256) : body);
            out.writeBytes(randomBytes(random, body));
        }
        return out.toByteArray();
    }

    private static byte[] truncate(byte[] bytes, Random random) {
        byte[] cut = new byte[1 + random.nextInt(bytes.length)];
        System.arraycopy(bytes, 0, cut, 0, cut.length);
        return cut;
    }

    private static byte[] flipBits(byte[] bytes, Random random) {
        byte[] flipped = bytes.clone();
        int flips = 1 + random.nextInt(4);
        for (int i = 0; i < flips; i++) {
            int at = random.nextInt(flipped.length);
            flipped[at] ^= (byte) (1 << random.nextInt(8));
        }
        return flipped;
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static byte[] encode(MqttMessage message) {
        EmbeddedChannel encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
        try {
            encoder.writeOutbound(message);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuf encoded;
            while ((encoded = encoder.readOutbound()) != null) {
                byte[] bytes = new byte[encoded.readableBytes()];
                encoded.readBytes(bytes);
                encoded.release();
                out.writeBytes(bytes);
            }
            return out.toByteArray();
        } finally {
            encoder.finishAndReleaseAll();
        }
    }
}
