package io.gatehouse.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.registry.Device;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.qpid.proton.amqp.UnsignedInteger;
import org.apache.qpid.proton.amqp.transport.Close;
import org.apache.qpid.proton.amqp.transport.Open;
import org.apache.qpid.protonj2.client.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad input over a raw socket: the connection is closed as AMQP asks, the gateway goes on serving. */
class ProtocolErrorsTest {

    private TestHub hub;
    private AmqpClients clients;

    @BeforeEach
    void start() throws Exception {
        hub = TestHub.plain(HubSettings.defaults(), AmqpOptions.defaults().withIdleTimeout(Duration.ofSeconds(1)));
        clients = new AmqpClients();
    }

    @AfterEach
    void stop() throws Exception {
        clients.close();
        hub.close();
    }

    private RawAmqpSocket openedRawConnection() throws Exception {
        RawAmqpSocket raw = new RawAmqpSocket(hub.port());
        raw.write(RawAmqpSocket.AMQP_HEADER);
        assertThat(raw.readHeader()).isEqualTo(RawAmqpSocket.AMQP_HEADER);
        Open open = new Open();
        open.setContainerId("raw");
        raw.writeFrame(open);
        assertThat(raw.readUntil(Open.class).getContainerId()).isEqualTo("gatehouse");
        return raw;
    }

    private void gatewayStillServes() throws Exception {
        Device device = hub.core.registry().get(io.gatehouse.core.model.DeviceId.of("after")).orElseGet(() -> hub.createDevice("after"));
        Connection connection = clients.anonymous(hub.port());
        assertThat(new AmqpClients.Cbs(connection).putTokenStatus(TestHub.HOST + "/devices/after", hub.deviceToken(device)))
                .isEqualTo(200);
        connection.close();
    }

    @Test
    void malformedFrameBytesGetADecodeErrorAndTheSocketCloses() throws Exception {
        try (RawAmqpSocket raw = openedRawConnection()) {
            // a frame whose body is not an AMQP performative
            raw.write(ByteBuffer.allocate(16).putInt(16).put((byte) 2).put((byte) 0).putShort((short) 0)
                    .putLong(0xFFFF_FFFF_FFFF_FFFFL).array());
            Close close = raw.readUntil(Close.class);
            assertThat(close.getError().getCondition().toString()).isIn("amqp:decode-error", "amqp:connection:framing-error");
            assertThat(raw.closedByPeer()).isTrue();
        }
        gatewayStillServes();
    }

    @Test
    void framesAboveOurMaxFrameSizeAreAFramingError() throws Exception {
        try (RawAmqpSocket raw = openedRawConnection()) {
            raw.write(ByteBuffer.allocate(8).putInt(10 * 1024 * 1024).put((byte) 2).put((byte) 0).putShort((short) 0).array());
            Close close = raw.readUntil(Close.class);
            assertThat(close.getError().getCondition().toString()).isEqualTo("amqp:connection:framing-error");
            assertThat(raw.closedByPeer()).isTrue();
        }
        gatewayStillServes();
    }

    @Test
    void anUnknownProtocolHeaderIsAnsweredWithOursAndClosed() throws Exception {
        try (RawAmqpSocket raw = new RawAmqpSocket(hub.port())) {
            raw.write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(raw.readHeader()).isEqualTo(new byte[] {'A', 'M', 'Q', 'P', 3, 1, 0, 0});
            assertThat(raw.closedByPeer()).isTrue();
        }
        gatewayStillServes();
    }

    @Test
    void garbageBeforeOpenClosesTheSocket() throws Exception {
        try (RawAmqpSocket raw = new RawAmqpSocket(hub.port())) {
            raw.write(RawAmqpSocket.AMQP_HEADER);
            raw.readHeader();
            raw.write(new byte[] {0, 0, 0, 12, 2, 0, 0, 0, 1, 2, 3, 4});
            assertThat(raw.closedByPeer()).isTrue();
        }
        gatewayStillServes();
    }

    @Test
    void aSilentPeerIsClosedAfterOurIdleTimeout() throws Exception {
        try (RawAmqpSocket raw = openedRawConnection()) {
            // the peer sends nothing more; our idle timeout is 1 s
            Close close = raw.readUntil(Close.class);
            assertThat(close.getError().getCondition().toString()).isEqualTo("amqp:resource-limit-exceeded");
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void emptyFramesKeepAPeerWithAnIdleTimeoutAlive() throws Exception {
        try (RawAmqpSocket raw = new RawAmqpSocket(hub.port())) {
            raw.write(RawAmqpSocket.AMQP_HEADER);
            raw.readHeader();
            Open open = new Open();
            open.setContainerId("raw");
            open.setIdleTimeOut(UnsignedInteger.valueOf(400));
            raw.writeFrame(open);
            raw.readUntil(Open.class);
            // within a few hundred milliseconds the gateway sends an empty frame (at half the peer's timeout)
            RawAmqpSocket.Frame frame = raw.readFrame();
            assertThat(frame.body()).isNull();
            assertThat(frame.size()).isEqualTo(8);
        }
    }
}
