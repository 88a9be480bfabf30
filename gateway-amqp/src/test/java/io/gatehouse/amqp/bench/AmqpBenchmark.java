package io.gatehouse.amqp.bench;

import io.gatehouse.amqp.AmqpChannelInitializer;
import io.gatehouse.amqp.AmqpOptions;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.FeedbackJson;
import io.gatehouse.core.feedback.FeedbackRecord;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.store.Store;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.qpid.protonj2.client.Client;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.ConnectionOptions;
import org.apache.qpid.protonj2.client.Delivery;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.ReceiverOptions;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.Tracker;

/**
 * AMQP throughput and latency, loopback, gateway and clients in one JVM:
 * <ul>
 *   <li>{@code d2c}: devices send unsettled telemetry; each is accepted once the store committed it. Latency =
 *       send to accepted disposition. Each link keeps {@code --window} messages in flight.</li>
 *   <li>{@code c2d}: a service sends commands ({@code iothub-ack=positive}) round robin to the devices, each device
 *       link receives and accepts, and the service reads the feedback. Latency = service send to device receipt,
 *       and service send to the feedback record. At most 40 commands per device are outstanding (queue limit 50).</li>
 * </ul>
 * Arguments: {@code --links 1,100} (device links, one scenario per value), {@code --messages N} (per scenario),
 * {@code --size B} (body bytes), {@code --window W}, {@code --store memory|journal[:dir]}, {@code --only d2c|c2d}.
 */
public final class AmqpBenchmark {

    private static final String HOST = "bench.gatehouse.test";
    private static final int DEVICES_PER_CONNECTION = 10;

    private final Map<String, String> args;
    private final StoreFactory stores;
    private final int size;
    private final int window;

    private AmqpBenchmark(Map<String, String> args) {
        this.args = args;
        this.stores = StoreFactory.parse(args.get("store"));
        this.size = Integer.parseInt(args.getOrDefault("size", "256"));
        this.window = Integer.parseInt(args.getOrDefault("window", "50"));
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new ConcurrentHashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        AmqpBenchmark bench = new AmqpBenchmark(args);
        String only = args.getOrDefault("only", "all");
        System.out.printf("AMQP benchmark: store=%s size=%d B window=%d, %d cores (shared machine: figures are noisy)%n",
                args.getOrDefault("store", "memory"), bench.size, bench.window, Runtime.getRuntime().availableProcessors());
        for (String links : args.getOrDefault("links", "1,100").split(",")) {
            int n = Integer.parseInt(links.trim());
            if (!only.equals("c2d")) {
                bench.d2c(n, Integer.parseInt(args.getOrDefault("messages", n == 1 ? "20000" : "100000")));
            }
            if (!only.equals("d2c")) {
                bench.c2d(n, Integer.parseInt(args.getOrDefault("messages", n == 1 ? "5000" : "20000")));
            }
        }
        System.exit(0);
    }

    // ------------------------------------------------------------------ the gateway

    private final class Gateway implements AutoCloseable {
        final Store store;
        final GatewayCore core;
        final EventLoopGroup boss = new NioEventLoopGroup(1);
        final EventLoopGroup workers = new NioEventLoopGroup();
        final Channel server;
        final Client client = Client.create();

        Gateway() throws Exception {
            HubSettings settings = HubSettings.defaults().with("cloudToDevice.feedback.batchWindowAsIso8601", "PT0.01S");
            store = stores.create(settings.eventPartitions());
            core = GatewayCore.builder().settings(settings).store(store).start();
            server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                    .childHandler(new AmqpChannelInitializer(core, AmqpOptions.defaults(), null))
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        }

        int port() {
            return ((InetSocketAddress) server.localAddress()).getPort();
        }

        Connection connect() throws Exception {
            ConnectionOptions options = new ConnectionOptions();
            options.saslOptions().addAllowedMechanism("ANONYMOUS");
            Connection connection = client.connect("127.0.0.1", port(), options);
            connection.openFuture().get(10, TimeUnit.SECONDS);
            return connection;
        }

        void putToken(Connection connection, String name, String token) throws Exception {
            Sender requests = connection.openSender("$cbs");
            Receiver replies = connection.openReceiver("$cbs");
            requests.send(Message.create(token).messageId(UUID.randomUUID()).replyTo("cbs")
                    .property("operation", "put-token").property("type", "servicebus.windows.net:sastoken")
                    .property("name", name));
            Delivery reply = replies.receive(10, TimeUnit.SECONDS);
            if (reply == null || !Integer.valueOf(200).equals(reply.message().property("status-code"))) {
                throw new IllegalStateException("put-token failed");
            }
            reply.accept();
            requests.close();
            replies.close();
        }

        /** n devices spread over connections of up to 10 devices each (multiplexed, like the SDK's multiplexing client). */
        List<Connection> devices(int n, List<Device> out) throws Exception {
            List<Connection> connections = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Device device = core.registry().create(DeviceId.of("bench-" + UUID.randomUUID())).join();
                out.add(device);
                if (i % DEVICES_PER_CONNECTION == 0) {
                    connections.add(connect());
                }
                putToken(connections.get(connections.size() - 1), HOST + "/devices/" + device.id(),
                        SasTokens.deviceToken(HOST, device.id().value(), device.keys().primaryKey(), Instant.now().plus(Duration.ofHours(2))));
            }
            return connections;
        }

        @Override
        public void close() {
            client.close();
            server.close().syncUninterruptibly();
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            core.close();
            store.close();
        }
    }

    // ------------------------------------------------------------------ D2C

    private void d2c(int links, int messages) throws Exception {
        try (Gateway gateway = new Gateway()) {
            List<Device> devices = new ArrayList<>();
            List<Connection> connections = gateway.devices(links, devices);
            Recorder latency = new Recorder(3);
            AtomicInteger failures = new AtomicInteger();
            int perLink = messages / links;
            CountDownLatch done = new CountDownLatch(links);
            List<Thread> threads = new ArrayList<>();
            byte[] body = new byte[size];
            for (int i = 0; i < links; i++) {
                Sender sender = connections.get(i / DEVICES_PER_CONNECTION)
                        .openSender("/devices/" + devices.get(i).id() + "/messages/events");
                sender.openFuture().get(10, TimeUnit.SECONDS);
                threads.add(new Thread(() -> {
                    try {
                        Deque<long[]> starts = new ArrayDeque<>();
                        Deque<Tracker> inFlight = new ArrayDeque<>();
                        int sent = 0;
                        while (sent < perLink || !inFlight.isEmpty()) {
                            while (sent < perLink && inFlight.size() < window) {
                                starts.add(new long[] {System.nanoTime()});
                                inFlight.add(sender.send(Message.create(body).messageId("m-" + sent).property("seq", sent)));
                                sent++;
                            }
                            Tracker head = inFlight.poll();
                            head.awaitSettlement(30, TimeUnit.SECONDS);
                            long start = starts.poll()[0];
                            if (head.remoteState() != null && head.remoteState().isAccepted()) {
                                latency.recordValue((System.nanoTime() - start) / 1000);
                            } else {
                                failures.incrementAndGet();
                            }
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                        e.printStackTrace();
                    } finally {
                        done.countDown();
                    }
                }, "d2c-" + i));
            }
            long started = System.nanoTime();
            threads.forEach(Thread::start);
            done.await();
            long elapsed = System.nanoTime() - started;
            report("D2C unsettled telemetry", links, perLink * links - failures.get(), elapsed, latency.getIntervalHistogram(),
                    "send → accepted", failures.get());
            for (Connection c : connections) {
                c.close();
            }
        }
    }

    // ------------------------------------------------------------------ C2D

    private void c2d(int links, int messages) throws Exception {
        try (Gateway gateway = new Gateway()) {
            List<Device> devices = new ArrayList<>();
            List<Connection> connections = gateway.devices(links, devices);
            Map<String, Long> sentAt = new ConcurrentHashMap<>();
            Map<String, Semaphore> outstanding = new ConcurrentHashMap<>();
            Recorder receiveLatency = new Recorder(3);
            Recorder feedbackLatency = new Recorder(3);
            AtomicInteger ended = new AtomicInteger();
            CountDownLatch allFeedback = new CountDownLatch(messages);
            List<Thread> threads = new ArrayList<>();

            for (int i = 0; i < links; i++) {
                Device device = devices.get(i);
                outstanding.put(device.id().value(), new Semaphore(40));
                Receiver receiver = connections.get(i / DEVICES_PER_CONNECTION).openReceiver(
                        "/devices/" + device.id() + "/messages/devicebound", new ReceiverOptions().creditWindow(window));
                receiver.openFuture().get(10, TimeUnit.SECONDS);
                Thread t = new Thread(() -> {
                    try {
                        while (!Thread.currentThread().isInterrupted()) {
                            Delivery delivery = receiver.receive(); // auto-accepted
                            Long start = sentAt.get((String) delivery.message().messageId());
                            if (start != null) {
                                receiveLatency.recordValue((System.nanoTime() - start) / 1000);
                            }
                        }
                    } catch (Exception e) {
                        // closed at the end
                    }
                }, "device-" + i);
                t.setDaemon(true);
                threads.add(t);
            }

            Connection service = gateway.connect();
            gateway.putToken(service, HOST, SasTokens.serviceToken(HOST, "service",
                    gateway.core.policies().get("service").orElseThrow().keys().primaryKey(), Instant.now().plus(Duration.ofHours(2))));
            Receiver feedback = service.openReceiver("/messages/servicebound/feedback", new ReceiverOptions().creditWindow(100));
            Thread feedbackReader = new Thread(() -> {
                try {
                    while (allFeedback.getCount() > 0) {
                        Delivery delivery = feedback.receive(60, TimeUnit.SECONDS);
                        if (delivery == null) {
                            return;
                        }
                        long now = System.nanoTime();
                        for (FeedbackRecord record : FeedbackJson.decode((byte[]) delivery.message().body())) {
                            Long start = sentAt.remove(record.originalMessageId());
                            if (start != null) {
                                feedbackLatency.recordValue((now - start) / 1000);
                                outstanding.get(record.deviceId()).release();
                                ended.incrementAndGet();
                                allFeedback.countDown();
                            }
                        }
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                }
            }, "feedback");
            Sender sender = service.openSender("/messages/devicebound");
            sender.openFuture().get(10, TimeUnit.SECONDS);
            threads.forEach(Thread::start);
            feedbackReader.start();

            byte[] body = new byte[size];
            long started = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                Device device = devices.get(i % links);
                outstanding.get(device.id().value()).acquire();
                String id = "c2d-" + i;
                sentAt.put(id, System.nanoTime());
                sender.send(Message.create(body).messageId(id).to("/devices/" + device.id() + "/messages/devicebound")
                        .property("iothub-ack", "positive"));
            }
            boolean complete = allFeedback.await(120, TimeUnit.SECONDS);
            long elapsed = System.nanoTime() - started;
            report("C2D service → device → accepted → feedback", links, ended.get(), elapsed,
                    feedbackLatency.getIntervalHistogram(), "send → feedback", messages - ended.get());
            printLatency("send → device receipt", receiveLatency.getIntervalHistogram());
            if (!complete) {
                System.out.println("  (timed out waiting for feedback)");
            }
            threads.forEach(Thread::interrupt);
            service.close();
            for (Connection c : connections) {
                c.close();
            }
        }
    }

    // ------------------------------------------------------------------ output

    private static void report(String name, int links, long count, long elapsedNanos, Histogram latency, String what,
                               int failures) {
        double seconds = elapsedNanos / 1e9;
        System.out.printf("%n%s, %d link(s): %d messages in %.2f s = %.0f msgs/s%s%n", name, links, count, seconds,
                count / seconds, failures > 0 ? " (" + failures + " failed)" : "");
        printLatency(what, latency);
    }

    private static void printLatency(String what, Histogram h) {
        System.out.printf("  latency %s (ms): p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (n=%d)%n", what,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0,
                h.getTotalCount());
    }
}
