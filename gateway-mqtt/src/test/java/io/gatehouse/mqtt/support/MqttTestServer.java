package io.gatehouse.mqtt.support;

import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.QueueStats;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.core.time.Clock;
import io.gatehouse.core.time.ManualClock;
import io.gatehouse.core.time.SystemClock;
import io.gatehouse.mqtt.MqttChannelInitializer;
import io.gatehouse.mqtt.MqttOptions;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A core and the MQTT endpoint on a NIO listener on 127.0.0.1 (an ephemeral port unless told otherwise), with
 * helpers to create devices, make their tokens and connect HiveMQ clients as them.
 */
public final class MqttTestServer implements AutoCloseable {

    public static final String HOST = "hub.gatehouse.test";

    public final GatewayCore core;
    public final Clock clock;
    private final Store store;
    private final EventLoopGroup group;
    private final Channel server;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    private MqttTestServer(Builder b) {
        this.clock = b.clock;
        this.store = b.storeFactory.apply(b.settings);
        this.core = GatewayCore.builder().settings(b.settings).store(store).clock(clock).shards(2).start();
        this.group = new NioEventLoopGroup(b.eventLoops, new DefaultThreadFactory("gatehouse-mqtt"));
        MqttChannelInitializer mqtt = new MqttChannelInitializer(core, b.options, b.sslContext);
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        connections.add(channel); // the group forgets closed channels by itself
                        channel.pipeline().addLast(mqtt);
                    }
                });
        if (b.sendBuffer > 0) {
            bootstrap.childOption(ChannelOption.SO_SNDBUF, b.sendBuffer);
        }
        this.server = b.port == 0 ? bootstrap.bind("127.0.0.1", 0).syncUninterruptibly().channel()
                : bindWhenFree(bootstrap, b.port);
    }

    /** A fixed port (the SDKs' 8883) may be held for a moment by another test run on this machine: retry. */
    private static Channel bindWhenFree(ServerBootstrap bootstrap, int port) {
        Channel[] bound = new Channel[1];
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).until(() -> {
            io.netty.channel.ChannelFuture f = bootstrap.bind("127.0.0.1", port).awaitUninterruptibly();
            bound[0] = f.isSuccess() ? f.channel() : null;
            return bound[0] != null;
        });
        return bound[0];
    }

    public static Builder builder() {
        return new Builder();
    }

    public static MqttTestServer start() {
        return builder().start();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections the server holds open right now. */
    public int openConnections() {
        return connections.size();
    }

    public ManualClock manualClock() {
        return (ManualClock) clock;
    }

    public Device createDevice(String id) {
        return core.registry().create(DeviceId.of(id)).join();
    }

    public Device device(String id) {
        return core.registry().get(DeviceId.of(id)).orElseThrow();
    }

    /** A valid token of the device, in the Java device SDK's form. */
    public String token(String id) {
        return SasTokens.deviceToken(HOST, id, device(id).keys().primaryKey(), clock.now().plus(Duration.ofHours(1)));
    }

    public static String userName(String id) {
        return HOST + "/" + id + "/?api-version=2021-04-12&DeviceClientType=gatehouse-test";
    }

    /** A HiveMQ MQTT 3.1.1 client for this server, not connected, without automatic reconnects. */
    public Mqtt3BlockingClient client(String clientId) {
        return MqttClient.builder().useMqttVersion3().identifier(clientId).serverHost("127.0.0.1").serverPort(port())
                .buildBlocking();
    }

    /** Connects a HiveMQ client as the device with its own valid token. */
    public ConnectedDevice connect(String id, boolean cleanSession) {
        Mqtt3BlockingClient client = client(id);
        Mqtt3ConnAck connAck = client.connectWith().cleanSession(cleanSession).keepAlive(60).simpleAuth()
                .username(userName(id)).password(token(id).getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
        return new ConnectedDevice(client, connAck);
    }

    public String sendC2d(String id, C2dRequest request) {
        return core.c2d().send(DeviceId.of(id), request).join();
    }

    public QueueStats stats(String id) {
        return core.c2d().stats(DeviceId.of(id)).join();
    }

    /** Reads the stored telemetry of one device from the beginning of its partition. */
    public EventCollector events(String id) {
        return new EventCollector(core, DeviceId.of(id));
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        core.close();
        store.close();
    }

    /** A HiveMQ client connected as a device, and its CONNACK. */
    public record ConnectedDevice(Mqtt3BlockingClient client, Mqtt3ConnAck connAck) implements AutoCloseable {
        @Override
        public void close() {
            if (client.getState().isConnected()) {
                client.disconnect();
            }
        }
    }

    public static final class Builder {
        private MqttOptions options = MqttOptions.defaults();
        private Clock clock = SystemClock.INSTANCE;
        private HubSettings settings = HubSettings.defaults();
        private SslContext sslContext;
        private int port;
        private int eventLoops = 2;
        private int sendBuffer;
        private Function<HubSettings, Store> storeFactory = s -> new InMemoryStore(s.eventPartitions());

        public Builder options(MqttOptions value) {
            options = value;
            return this;
        }

        /** A clock the test moves (lock timeouts, expiry) while the core's shards run on their threads. */
        public Builder manualClock() {
            clock = new ManualClock();
            return this;
        }

        public Builder settings(HubSettings value) {
            settings = value;
            return this;
        }

        public Builder tls(SslContext value) {
            sslContext = value;
            return this;
        }

        public Builder port(int value) {
            port = value;
            return this;
        }

        public Builder eventLoops(int value) {
            eventLoops = value;
            return this;
        }

        /** A small socket send buffer makes a device that does not read fill the gateway's buffers quickly. */
        public Builder sendBuffer(int bytes) {
            sendBuffer = bytes;
            return this;
        }

        public Builder store(Function<HubSettings, Store> value) {
            storeFactory = value;
            return this;
        }

        public MqttTestServer start() {
            return new MqttTestServer(this);
        }
    }
}
