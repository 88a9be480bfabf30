package io.gatehouse.http.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.core.testing.LogCapture;
import io.gatehouse.http.RestChannelInitializer;
import io.gatehouse.http.Router;
import io.gatehouse.transport.Listener;
import io.gatehouse.transport.NettyTransport;
import io.gatehouse.transport.ProtocolHandlers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.ResourceLeakDetector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The WebSocket upgrade on the REST listener with a stand-in protocol that echoes its bytes: which requests
 * upgrade, which are refused and how, frames to bytes and back, limits, and a bounded fuzz loop.
 */
class WebSocketUpgradeTest {

    private static final int MAX_FRAME = 64 * 1024;
    private static final String PATH = "/$iothub/websocket?iothub-no-client-cert=true";

    private static GatewayCore core;
    private static NettyTransport transport;
    private static Listener listener;
    private static ResourceLeakDetector.Level previousLeakLevel;

    /** Echoes every byte back: what arrives here is exactly the byte stream a protocol would see. */
    private static final ProtocolHandlers ECHO = (pipeline, secure) -> pipeline.addLast("echo", new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            assertThat(msg).isInstanceOf(ByteBuf.class);
            ctx.writeAndFlush(msg);
        }
    });

    @BeforeAll
    static void start() {
        previousLeakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        core = GatewayCore.builder().store(new InMemoryStore(4)).shards(1).start();
        Router router = new Router().add(HttpMethod.GET, "/ping", null,
                request -> CompletableFuture.completedFuture(io.gatehouse.http.RestResponse.text(200, "text/plain", "pong")));
        WebSocketProtocols protocols = new WebSocketProtocols(Map.of(WebSocketProtocols.MQTT, ECHO, WebSocketProtocols.AMQP, ECHO), MAX_FRAME);
        transport = NettyTransport.create(1);
        listener = Listener.bind("https", transport, "127.0.0.1", 0,
                new RestChannelInitializer(router, core.authenticator(), null, protocols));
    }

    @AfterAll
    static void stop() {
        listener.stopAccepting();
        transport.close();
        core.close();
        ResourceLeakDetector.setLevel(previousLeakLevel);
    }

    private static RawWebSocket upgraded(String subprotocol) throws Exception {
        RawWebSocket ws = new RawWebSocket(listener.port());
        String head = ws.sendHead(RawWebSocket.upgradeRequest(PATH, subprotocol));
        assertThat(head).startsWith("HTTP/1.1 101");
        return ws;
    }

    @Test
    void eachSubprotocolUpgradesAndItsBytesPassBothWays() throws Exception {
        for (String subprotocol : new String[] {"mqtt", "AMQPWSB10"}) {
            try (RawWebSocket ws = new RawWebSocket(listener.port())) {
                String head = ws.sendHead(RawWebSocket.upgradeRequest(PATH, "x-unknown, " + subprotocol));
                assertThat(head).startsWith("HTTP/1.1 101").containsIgnoringCase("sec-websocket-protocol: " + subprotocol);
                ws.send(RawWebSocket.BINARY, "hello".getBytes(StandardCharsets.UTF_8));
                assertThat(new String(ws.readBinary(5), StandardCharsets.UTF_8)).isEqualTo("hello");
            }
        }
    }

    @Test
    void absoluteFormTargetsAreTheSamePath() {
        assertThat(WebSocketUpgrade.isWebSocketPath("https://hub.gatehouse.test/$iothub/websocket?iothub-no-client-cert=true")).isTrue();
        assertThat(WebSocketUpgrade.isWebSocketPath("wss://hub.gatehouse.test:443/$IOTHUB/websocket")).isTrue();
        assertThat(WebSocketUpgrade.isWebSocketPath("/$iothub/websocket")).isTrue();
        assertThat(WebSocketUpgrade.isWebSocketPath("https://hub.gatehouse.test/devices")).isFalse();
        assertThat(WebSocketUpgrade.isWebSocketPath("/devices/$iothub/websocket")).isFalse();
    }

    @Test
    void fragmentsJoinAndLargeOutputIsSplitIntoBoundedFrames() throws Exception {
        try (RawWebSocket ws = upgraded("mqtt")) {
            byte[] payload = new byte[40_000];
            new Random(1).nextBytes(payload);
            Random random = new Random(2);
            byte[] first = java.util.Arrays.copyOfRange(payload, 0, 10_000);
            byte[] rest = java.util.Arrays.copyOfRange(payload, 10_000, payload.length);
            ws.sendRaw(RawWebSocket.frame(RawWebSocket.BINARY, false, first, random));
            ws.sendRaw(RawWebSocket.frame(0x0, true, rest, random));
            int frames = 0;
            java.io.ByteArrayOutputStream echoed = new java.io.ByteArrayOutputStream();
            while (echoed.size() < payload.length) {
                RawWebSocket.Frame frame = ws.read();
                assertThat(frame.opcode()).isEqualTo(RawWebSocket.BINARY);
                assertThat(frame.payload().length).isLessThanOrEqualTo(WebSocketByteStream.MAX_OUTBOUND_FRAME);
                echoed.writeBytes(frame.payload());
                frames++;
            }
            assertThat(echoed.toByteArray()).isEqualTo(payload);
            assertThat(frames).isGreaterThan(1);
        }
    }

    @Test
    void pingIsAnsweredAndCloseIsEchoed() throws Exception {
        try (RawWebSocket ws = upgraded("mqtt")) {
            ws.send(RawWebSocket.PING, new byte[] {7});
            RawWebSocket.Frame pong = ws.read();
            assertThat(pong.opcode()).isEqualTo(0xA);
            assertThat(pong.payload()).containsExactly(7);
            ws.send(RawWebSocket.CLOSE, new byte[] {0x03, (byte) 0xe8});
            assertThat(ws.read().opcode()).isEqualTo(RawWebSocket.CLOSE);
            assertThat(ws.closedByServer()).isTrue();
        }
    }

    @Test
    void textFramesAndOversizeFramesCloseTheConnection() throws Exception {
        try (RawWebSocket ws = upgraded("mqtt")) {
            ws.send(RawWebSocket.TEXT, "CONNECT".getBytes(StandardCharsets.UTF_8));
            RawWebSocket.Frame close = ws.read();
            assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
            assertThat(close.closeStatus()).isEqualTo(1003);
            assertThat(ws.closedByServer()).isTrue();
        }
        try (RawWebSocket ws = upgraded("AMQPWSB10")) {
            ws.send(RawWebSocket.BINARY, new byte[MAX_FRAME + 1]);
            RawWebSocket.Frame close = ws.read();
            assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
            assertThat(close.closeStatus()).isEqualTo(1009);
            assertThat(ws.closedByServer()).isTrue();
        }
    }

    @Test
    void badUpgradesAre400WithIotHubsErrorBody() throws Exception {
        String[] requests = {
                RawWebSocket.upgradeRequest(PATH, "stomp"),
                RawWebSocket.upgradeRequest(PATH, null),
                "GET " + PATH + " HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "POST /$iothub/websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n",
                RawWebSocket.upgradeRequest(PATH, "mqtt").replace("Sec-WebSocket-Key", "X-Nothing"),
        };
        for (String request : requests) {
            try (RawWebSocket ws = new RawWebSocket(listener.port())) {
                String head = ws.sendHead(request);
                assertThat(head).as(request).startsWith("HTTP/1.1 400");
                assertThat(ws.readBody(head)).startsWith("{\"Message\":\"ErrorCode:ArgumentInvalid;");
            }
        }
        try (RawWebSocket ws = new RawWebSocket(listener.port())) {
            String head = ws.sendHead(RawWebSocket.upgradeRequest(PATH, "mqtt").replace("Version: 13", "Version: 99"));
            assertThat(head).startsWith("HTTP/1.1 426");
        }
    }

    @Test
    void restStillAnswersOnTheSameListener() throws Exception {
        try (RawWebSocket ws = new RawWebSocket(listener.port())) {
            String head = ws.sendHead("GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(head).startsWith("HTTP/1.1 200");
            assertThat(ws.readBody(head)).isEqualTo("pong");
        }
    }

    @Test
    void fuzzedUpgradesAndFramesNeverCrashNorLeak() {
        try (LogCapture log = new LogCapture()) {
            long seed = System.nanoTime();
            WebSocketFuzz fuzz = new WebSocketFuzz(listener.port(), PATH);
            Random random = new Random(seed);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            int cases = 0;
            for (; cases < 300 && System.nanoTime() < deadline; cases++) {
                fuzz.runOne(random);
            }
            assertThat(cases).as("seed %d", seed).isPositive();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> listener.connectionCount() == 0);
            try (RawWebSocket ws = upgraded("mqtt")) {
                ws.send(RawWebSocket.BINARY, new byte[] {1, 2, 3});
                assertThat(ws.readBinary(3)).containsExactly(1, 2, 3);
            }
            for (int i = 0; i < 3; i++) {
                System.gc();
                for (int j = 0; j < 100; j++) {
                    ByteBufAllocator.DEFAULT.directBuffer(64).release();
                }
            }
            // no leak report, and every refusal was one log line, not an exception left to the pipeline's end
            assertThat(log.atLeast(Level.WARN)).as("seed %d", seed).isEmpty();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
