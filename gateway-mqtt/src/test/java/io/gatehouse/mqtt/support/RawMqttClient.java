package io.gatehouse.mqtt.support;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A bare MQTT client on a blocking socket, for what a well-behaved client library will not do: wrong protocol
 * levels, silence past the keep-alive, QoS 2, raw or truncated bytes. Packets are encoded and decoded with
 * Netty's codec in embedded channels.
 */
public final class RawMqttClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder(1024 * 1024));

    public RawMqttClient(int port) throws IOException {
        this(port, 0);
    }

    /** {@code receiveBuffer} > 0 fixes the socket's receive buffer (no autotuning): a client that reads slowly. */
    public RawMqttClient(int port, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** A CONNECT as an IoT Hub device sends it. */
    public static MqttConnectMessage connect(String clientId, String userName, String password, boolean cleanSession,
                                             int keepAliveSeconds) {
        MqttMessageBuilders.ConnectBuilder b = MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1)
                .clientId(clientId).cleanSession(cleanSession).keepAlive(keepAliveSeconds);
        if (userName != null) {
            b.hasUser(true).username(userName);
        }
        if (password != null) {
            b.hasPassword(true).password(password.getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    public void send(MqttMessage message) throws IOException {
        sendBytes(encode(message));
    }

    /** The packet's bytes on the wire. */
    public static byte[] encode(MqttMessage message) {
        EmbeddedChannel encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
        encoder.writeOutbound(message);
        ByteBuf encoded = encoder.readOutbound();
        try {
            byte[] bytes = new byte[encoded.readableBytes()];
            encoded.readBytes(bytes);
            return bytes;
        } finally {
            encoded.release();
            encoder.finishAndReleaseAll();
        }
    }

    public void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next packet from the server; fails if none arrives within {@code timeout} or the server closes. */
    public MqttMessage receive(Duration timeout) throws IOException {
        MqttMessage message = tryReceive(timeout);
        if (message == null) {
            throw new AssertionError("the server closed the connection instead of answering");
        }
        return message;
    }

    /** The next packet, or null when the server closed the connection. The caller releases PUBLISH payloads. */
    public MqttMessage tryReceive(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        byte[] buffer = new byte[8192];
        while (true) {
            Object decoded = decoder.readInbound();
            if (decoded != null) {
                return (MqttMessage) decoded;
            }
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("nothing from the server within " + timeout);
            } catch (SocketException e) {
                return null; // reset by the server
            }
            if (n < 0) {
                return null;
            }
            decoder.writeInbound(io.netty.buffer.Unpooled.copiedBuffer(buffer, 0, n));
        }
    }

    /**
     * Whether the server closes the connection within {@code wait} (true), or it is still open then (false);
     * anything the server sends meanwhile is discarded. Also paces a client without sleeping.
     */
    public boolean closesWithin(Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        byte[] buffer = new byte[8192];
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            try {
                if (in.read(buffer) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (SocketException e) {
                return true;
            }
        }
    }

    /**
     * Waits until the server closes the connection, discarding anything it sends first; fails after
     * {@code timeout}. No sleeping: a blocking read returns when the server closes.
     */
    public void awaitClosed(Duration timeout) throws IOException {
        if (!closesWithin(timeout)) {
            throw new AssertionError("the server did not close the connection within " + timeout);
        }
    }

    public static MqttMessage pingReq() {
        return new MqttMessage(new io.netty.handler.codec.mqtt.MqttFixedHeader(
                io.netty.handler.codec.mqtt.MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0));
    }

    @Override
    public void close() throws IOException {
        socket.close();
        Object left;
        while ((left = decoder.readInbound()) != null) {
            ReferenceCountUtil.release(left);
        }
        decoder.finishAndReleaseAll();
    }
}
