package io.gatehouse.amqp;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.AccessPolicy;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.core.time.Clock;
import io.gatehouse.core.time.SystemClock;
import io.gatehouse.tls.DevelopmentPki;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A threaded core with an in-memory store behind the AMQP endpoint, bound on loopback with NIO (port 0 picks an
 * ephemeral port; the SDK tests bind 5671). TLS uses the development PKI.
 */
public final class TestHub implements AutoCloseable {

    public static final String HOST = "hub.gatehouse.test";

    public final GatewayCore core;
    public final Store store;
    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup workers = new NioEventLoopGroup(2);
    private final Channel server;
    private final DevelopmentPki pki;

    private TestHub(HubSettings settings, AmqpOptions options, int port, boolean tls, Clock clock) throws Exception {
        this(settings, options, port, tls, clock, new InMemoryStore(settings.eventPartitions()));
    }

    private TestHub(HubSettings settings, AmqpOptions options, int port, boolean tls, Clock clock, Store store)
            throws Exception {
        this.store = store;
        core = GatewayCore.builder().settings(settings).store(store).clock(clock).shards(2).start();
        SslContext ssl = null;
        if (tls) {
            pki = DevelopmentPki.loadOrCreate(Files.createTempDirectory("gatehouse-pki"), List.of(HOST));
            ssl = SslContextBuilder.forServer(pki.serverKey(), pki.serverChain()).build();
        } else {
            pki = null;
        }
        server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childHandler(new AmqpChannelInitializer(core, options, ssl))
                .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
    }

    public static TestHub plain() throws Exception {
        return new TestHub(HubSettings.defaults(), AmqpOptions.defaults(), 0, false, SystemClock.INSTANCE);
    }

    public static TestHub plain(HubSettings settings, AmqpOptions options) throws Exception {
        return new TestHub(settings, options, 0, false, SystemClock.INSTANCE);
    }

    public static TestHub tls(HubSettings settings, int port) throws Exception {
        return new TestHub(settings, AmqpOptions.defaults(), port, true, SystemClock.INSTANCE);
    }

    /** A plain hub over a given store (e.g. one whose commits the test controls). */
    public static TestHub plain(HubSettings settings, AmqpOptions options, Store store) throws Exception {
        return new TestHub(settings, options, 0, false, SystemClock.INSTANCE, store);
    }

    /** A plain hub on a clock the test moves (threaded shards still fire timers when it advances). */
    public static TestHub plain(HubSettings settings, AmqpOptions options, Clock clock) throws Exception {
        return new TestHub(settings, options, 0, false, clock);
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public DevelopmentPki pki() {
        return pki;
    }

    public Device createDevice(String id) {
        return core.registry().create(DeviceId.of(id)).join();
    }

    public String deviceToken(Device device) {
        return SasTokens.deviceToken(HOST, device.id().value(), device.keys().primaryKey(), Instant.now().plus(Duration.ofHours(1)));
    }

    public AccessPolicy policy(String name) {
        return core.policies().get(name).orElseThrow();
    }

    public String serviceToken(String policyName) {
        return SasTokens.serviceToken(HOST, policyName, policy(policyName).keys().primaryKey(),
                Instant.now().plus(Duration.ofHours(1)));
    }

    /**
     * The host name the SDK tests dial. 127.0.0.1 needs no hosts file (docs/tls-and-host-names.md); AMQP checks only the chain.
     */
    public static final String SDK_HOST = "127.0.0.1";

    public String serviceConnectionString() {
        return "HostName=" + SDK_HOST + ";SharedAccessKeyName=service;SharedAccessKey=" + policy("service").keys().primaryKey();
    }

    public String deviceConnectionString(Device device) {
        return "HostName=" + SDK_HOST + ";DeviceId=" + device.id() + ";SharedAccessKey=" + device.keys().primaryKey();
    }

    /** An SSLContext that trusts only the development CA (what a test client is given). */
    public javax.net.ssl.SSLContext clientSslContext() throws Exception {
        javax.net.ssl.TrustManagerFactory trust =
                javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        trust.init(pki.trustStore());
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        core.close();
        store.close();
    }
}
