package io.gatehouse.bench.load;

import io.gatehouse.bench.broker.Dialect;
import io.gatehouse.bench.broker.MqttNodes;
import io.gatehouse.bench.broker.RunningBroker;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A lean MQTT 3.1.1 load generator: many devices on one event loop, PUBLISH frames built from a per-device
 * template with no per-message parsing or validation, PUBACKs matched by packet id from a table. It exists
 * because a full-featured client costs tens of microseconds of CPU per message, so on a one-core generator the
 * client, not the broker, would set the ceiling of a capacity test. The wire traffic is plain MQTT 3.1.1
 * (CONNECT, QoS 1 PUBLISH, PUBACK; a subscriber answers its QoS 1 deliveries with PUBACK).
 *
 * <p>A fleet either publishes telemetry ({@link #telemetryFleet}, optionally with one back-end
 * {@link #subscribe subscriber}) or receives C2D messages ({@link #c2dFleet}: every device holds a persistent
 * session subscribed to its own C2D filter); either way each delivery's payload goes to the fleet's consumer.
 *
 * <p>Open loop: {@link #drive} schedules message {@code i} at {@code start + i / rate} on the fleet's loop and
 * records each PUBACK's latency from that intended time, so a stalled broker shows its stall in the latencies
 * (no coordinated omission). Everything per connection is confined to the one loop.
 */
public final class RawMqttFleet implements AutoCloseable {

    /** How a device connects: device {@code i} of the fleet to the node {@code nodes} gives it. */
    public record Options(String host, MqttNodes nodes, Dialect dialect, int keepAliveSeconds) {

        /** The broker's plain MQTT listeners, with a keep-alive long enough for a paused device. */
        public static Options of(RunningBroker broker) {
            return new Options(broker.host(), broker.mqtt(), broker.dialect(), 120);
        }
    }

    /** What one driven interval produced. */
    public record Result(long issued, long acknowledged, long stalled, Latencies.Summary latency) {
    }

    private static final int TICK_MICROS = 500;
    /** Connections a subscribing device opens at most before its SUBACK: the first and two redials. */
    static final int MAX_DIALS_BEFORE_SUBACK = 3;

    private final EventLoopGroup group;
    private final List<Device> devices = new ArrayList<>();
    private final Latencies latencies = new Latencies();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicInteger redials = new AtomicInteger();
    private final int maxOutstandingPerDevice;
    /** Sees each delivery's payload on the loop, before its PUBACK is written; the buffer is valid only then. */
    private final Consumer<ByteBuffer> onDelivery;

    private RawMqttFleet(EventLoopGroup group, int maxOutstandingPerDevice, Consumer<ByteBuffer> onDelivery) {
        this.group = group;
        this.maxOutstandingPerDevice = maxOutstandingPerDevice;
        this.onDelivery = onDelivery;
    }

    /**
     * The D2C fleet of the open-loop scenarios: one device per id, payloads of {@code payloadBytes}, 200 CONNECTs in
     * flight, at most {@code maxOutstandingPerDevice} unacknowledged publishes each.
     */
    public static RawMqttFleet telemetryFleet(RunningBroker broker, List<String> ids, int payloadBytes,
                                              int maxOutstandingPerDevice) throws Exception {
        return connect(ids, Options.of(broker), new byte[payloadBytes], false, 200, maxOutstandingPerDevice,
                payload -> { }, Duration.ofMinutes(5));
    }

    /**
     * The device side of the C2D scenarios: one device per id with a persistent session, subscribed at QoS 1 to its
     * own C2D filter (200 CONNECTs and SUBSCRIBEs in flight); every delivery's payload goes to {@code onDelivery},
     * then the device PUBACKs it.
     */
    public static RawMqttFleet c2dFleet(RunningBroker broker, List<String> ids, Consumer<ByteBuffer> onDelivery,
                                        Duration timeout) throws Exception {
        return c2dFleet(Options.of(broker), ids, onDelivery, timeout);
    }

    static RawMqttFleet c2dFleet(Options o, List<String> ids, Consumer<ByteBuffer> onDelivery, Duration timeout)
            throws Exception {
        return connect(ids, o, new byte[0], true, 200, 1, onDelivery, timeout);
    }

    /**
     * Connects one device per id, at most {@code connectsInFlight} at a time; a {@code c2d} device also subscribes
     * to its C2D filter and counts as connected once the SUBACK is in.
     */
    private static RawMqttFleet connect(List<String> ids, Options o, byte[] payload, boolean c2d, int connectsInFlight,
                                        int maxOutstandingPerDevice, Consumer<ByteBuffer> onDelivery,
                                        Duration timeout) throws Exception {
        EventLoopGroup group = Epoll.isAvailable()
                ? new EpollEventLoopGroup(1, new DefaultThreadFactory("raw-mqtt"))
                : new NioEventLoopGroup(1, new DefaultThreadFactory("raw-mqtt"));
        RawMqttFleet fleet = new RawMqttFleet(group, maxOutstandingPerDevice, onDelivery);
        try {
            Semaphore window = new Semaphore(connectsInFlight);
            List<CompletableFuture<Void>> connects = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            for (String id : ids) {
                if (!window.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw new IllegalStateException("connecting timed out after " + fleet.devices.size() + " of " + ids.size());
                }
                String filter = c2d ? o.dialect().c2dFilter(id) : null;
                Device device = fleet.new Device(o, o.nodes().portOf(fleet.devices.size()), id, payload, filter);
                fleet.devices.add(device);
                CompletableFuture<Void> connected = c2d ? device.open().thenCompose(ok -> device.subscribed) : device.open();
                connected.whenComplete((ok, failure) -> window.release());
                connects.add(connected);
            }
            CompletableFuture.allOf(connects.toArray(CompletableFuture[]::new))
                    .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return fleet;
        } catch (Exception e) {
            fleet.close();
            throw e;
        }
    }

    /**
     * Adds a back-end subscriber (persistent session, QoS 1) to {@code filter}; it acknowledges and counts every
     * delivery and hands it to the fleet's consumer. Peers store telemetry only when a subscription wants it.
     */
    public void subscribe(Options o, String clientId, String filter, Duration timeout) throws Exception {
        Device subscriber = new Device(o, o.nodes().first(), clientId, new byte[0], filter);
        subscriber.open().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        subscriber.subscribed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int size() {
        return devices.size();
    }

    public String id(int index) {
        return devices.get(index).id;
    }

    /**
     * Connections that closed between CONNACK and SUBACK and were dialled again. Moquette closes a connection whose
     * SUBSCRIBE it reads before it has marked the CONNECT done; a device with a persistent session then reconnects
     * and subscribes anew, as this fleet does. A scenario reports a non-zero count in its notes.
     */
    int redials() {
        return redials.get();
    }

    /** The note a scenario's row carries when connections had to be dialled again. */
    public Optional<String> redialNote() {
        int n = redials.get();
        return n == 0 ? Optional.empty() : Optional.of(n + " connection(s) closed by the broker between CONNACK and"
                + " SUBACK, dialled again (persistent sessions)");
    }

    /** Deliveries received, by the back-end subscriber or the C2D devices. */
    public long received() {
        return received.get();
    }

    public long acknowledged() {
        return acknowledged.get();
    }

    /**
     * Publishes at {@code rate} msgs/s, round robin over the devices, for {@code duration}; returns once every
     * message is acknowledged or {@code drainTimeout} has passed after the last was due.
     */
    public Result drive(double rate, Duration duration, Duration drainTimeout) throws Exception {
        return drive(rate, duration, drainTimeout, maxOutstandingPerDevice);
    }

    /**
     * As {@link #drive(double, Duration, Duration)}, with at most {@code outstandingPerDevice} unacknowledged per
     * device: a warm-up with a small cap never piles up more than the broker can take at once.
     */
    public Result drive(double rate, Duration duration, Duration drainTimeout, int outstandingPerDevice) throws Exception {
        latencies.reset();
        long before = acknowledged.get();
        Driver driver = new Driver(rate, duration.toNanos(), Math.min(outstandingPerDevice, maxOutstandingPerDevice));
        group.next().execute(driver::tick);
        driver.finished.get(duration.toMillis() + 60_000, TimeUnit.MILLISECONDS);
        Waits.until(() -> acknowledged.get() - before >= driver.issued, drainTimeout);
        return new Result(driver.issued, acknowledged.get() - before, driver.stalled, latencies.takeSummary());
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Paces one interval on the fleet's loop, a tick every {@value #TICK_MICROS} µs. */
    private final class Driver {
        final double nanosPerMessage;
        final long total;
        final int outstandingCap;
        final long start = System.nanoTime();
        final CompletableFuture<Void> finished = new CompletableFuture<>();
        final List<Device> dirty = new ArrayList<>();
        long issued;
        long stalled;
        int next;

        Driver(double rate, long durationNanos, int outstandingCap) {
            this.outstandingCap = outstandingCap;
            this.nanosPerMessage = 1e9 / rate;
            this.total = (long) (durationNanos / nanosPerMessage);
        }

        void tick() {
            long due = Math.min(total, (long) ((System.nanoTime() - start) / nanosPerMessage) + 1);
            while (issued < due) {
                Device d = devices.get(next);
                next = next + 1 == devices.size() ? 0 : next + 1;
                long intended = start + (long) (issued * nanosPerMessage);
                issued++;
                if (d.outstanding >= outstandingCap) {
                    stalled++; // the broker is this far behind: counted, and the step will fail
                    continue;
                }
                d.publish(intended);
                if (!d.dirty) {
                    d.dirty = true;
                    dirty.add(d);
                }
            }
            for (Device d : dirty) {
                d.dirty = false;
                d.channel.flush();
            }
            dirty.clear();
            if (issued >= total) {
                finished.complete(null);
            } else {
                group.next().schedule(this::tick, TICK_MICROS, TimeUnit.MICROSECONDS);
            }
        }
    }

    /**
     * One device connection; all of its state belongs to the loop. Sharable only in that a device that must dial
     * again installs itself in the new connection's pipeline; it never has two connections at once.
     */
    @ChannelHandler.Sharable
    private final class Device extends ChannelInboundHandlerAdapter {
        private final Options options;
        private final int port;
        private final String id;
        private final String subscription;
        private final byte[] prefix;
        private final byte[] payload;
        /** Intended send times by packet id, in a ring larger than the most messages ever outstanding. */
        private final long[] intended;
        private final int ringMask;
        private final CompletableFuture<Void> connected = new CompletableFuture<>();
        private final CompletableFuture<Void> subscribed = new CompletableFuture<>();
        private Channel channel;
        private ByteBuf cumulation = Unpooled.EMPTY_BUFFER;
        private int nextPacketId = 1;
        private int dials;
        int outstanding;
        boolean dirty;

        Device(Options options, int port, String id, byte[] payload, String subscription) {
            this.options = options;
            this.port = port;
            this.id = id;
            this.subscription = subscription;
            this.payload = payload;
            this.prefix = publishPrefix(options.dialect().telemetryTopic(id), payload.length);
            int ring = Integer.highestOneBit(Math.max(2, maxOutstandingPerDevice)) * 4;
            this.intended = new long[ring];
            this.ringMask = ring - 1;
        }

        CompletableFuture<Void> open() {
            dial();
            return connected;
        }

        private void dial() {
            dials++;
            new Bootstrap().group(group)
                    .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 60_000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(Device.this);
                        }
                    })
                    .connect(options.host(), port)
                    .addListener(f -> {
                        if (!f.isSuccess()) {
                            connected.completeExceptionally(f.cause());
                            subscribed.completeExceptionally(f.cause());
                        }
                    });
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            channel.writeAndFlush(connectFrame(ctx.alloc()));
        }

        void publish(long intendedNanos) {
            int packetId = nextPacketId;
            nextPacketId = packetId == 65535 ? 1 : packetId + 1;
            intended[packetId & ringMask] = intendedNanos;
            outstanding++;
            ByteBuf frame = channel.alloc().directBuffer(prefix.length + 2 + payload.length);
            frame.writeBytes(prefix).writeShort(packetId);
            if (payload.length >= Long.BYTES) {
                // the intended send time leads the payload: a back end measures end-to-end latency from it
                frame.writeLong(intendedNanos).writeBytes(payload, Long.BYTES, payload.length - Long.BYTES);
            } else {
                frame.writeBytes(payload);
            }
            channel.write(frame, channel.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            ByteBuf data;
            if (cumulation.isReadable()) {
                data = ctx.alloc().buffer(cumulation.readableBytes() + in.readableBytes());
                data.writeBytes(cumulation).writeBytes(in);
                cumulation.release();
                in.release();
            } else {
                data = in;
            }
            boolean wrote = false;
            while (true) {
                int start = data.readerIndex();
                if (data.readableBytes() < 2) {
                    break;
                }
                int type = data.getUnsignedByte(start);
                int length = 0;
                int multiplier = 1;
                int pos = start + 1;
                boolean complete = false;
                while (pos < data.writerIndex()) {
                    int b = data.getUnsignedByte(pos++);
                    length += (b & 0x7f) * multiplier;
                    multiplier *= 128;
                    if ((b & 0x80) == 0) {
                        complete = true;
                        break;
                    }
                }
                if (!complete || data.writerIndex() - pos < length) {
                    break;
                }
                wrote |= onPacket(type, data, pos, length);
                data.readerIndex(pos + length);
            }
            if (wrote) {
                channel.flush();
            }
            if (data.isReadable()) {
                cumulation = data.copy();
            } else {
                cumulation = Unpooled.EMPTY_BUFFER;
            }
            data.release();
        }

        /** Handles one packet; returns true when it wrote an answer. */
        private boolean onPacket(int type, ByteBuf data, int body, int length) {
            switch (type >> 4) {
                case 2 -> { // CONNACK
                    int code = data.getUnsignedByte(body + 1);
                    if (code != 0) {
                        connected.completeExceptionally(new IllegalStateException("CONNACK " + code + " for " + id));
                    } else if (subscription != null) {
                        channel.writeAndFlush(subscribeFrame(channel.alloc()));
                        connected.complete(null);
                    } else {
                        connected.complete(null);
                    }
                    return false;
                }
                case 4 -> { // PUBACK
                    int packetId = data.getUnsignedShort(body);
                    outstanding--;
                    latencies.recordNanos(System.nanoTime() - intended[packetId & ringMask]);
                    acknowledged.incrementAndGet();
                    return false;
                }
                case 9 -> { // SUBACK
                    int granted = data.getUnsignedByte(body + 2);
                    if (granted == 0x80) {
                        subscribed.completeExceptionally(new IllegalStateException("SUBSCRIBE refused"));
                    } else {
                        subscribed.complete(null);
                    }
                    return false;
                }
                case 3 -> { // PUBLISH to a subscriber
                    received.incrementAndGet();
                    int topicLength = data.getUnsignedShort(body);
                    boolean qos1 = ((type >> 1) & 3) == 1;
                    int payloadAt = body + 2 + topicLength + (qos1 ? 2 : 0);
                    onDelivery.accept(data.nioBuffer(payloadAt, body + length - payloadAt));
                    if (qos1) {
                        int packetId = data.getUnsignedShort(body + 2 + topicLength);
                        channel.write(channel.alloc().buffer(4).writeByte(0x40).writeByte(2).writeShort(packetId),
                                channel.voidPromise());
                        return true;
                    }
                    return false;
                }
                default -> {
                    return false; // PINGRESP and anything else: nothing to do
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cumulation.release();
            cumulation = Unpooled.EMPTY_BUFFER;
            boolean awaitingSuback = subscription != null && !subscribed.isDone();
            if (awaitingSuback && connected.isDone() && !connected.isCompletedExceptionally()
                    && dials < MAX_DIALS_BEFORE_SUBACK) {
                redials.incrementAndGet();
                dial();
                return;
            }
            IllegalStateException closed = new IllegalStateException("connection of " + id + " closed"
                    + (awaitingSuback ? " before its SUBACK, after " + dials + " connection(s)" : ""));
            connected.completeExceptionally(closed);
            subscribed.completeExceptionally(closed);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            connected.completeExceptionally(cause);
            ctx.close();
        }

        private ByteBuf connectFrame(ByteBufAllocator alloc) {
            byte[] clientId = id.getBytes(StandardCharsets.UTF_8);
            Dialect.Credentials credentials = options.dialect().deviceCredentials(id).orElse(null);
            byte[] user = credentials == null ? null : credentials.username().getBytes(StandardCharsets.UTF_8);
            byte[] password = credentials == null ? null : credentials.password();
            boolean persistent = subscription != null;
            int flags = (persistent ? 0 : 0x02) | (user != null ? 0x80 : 0) | (password != null ? 0x40 : 0);
            int remaining = 10 + 2 + clientId.length + (user != null ? 2 + user.length : 0)
                    + (password != null ? 2 + password.length : 0);
            ByteBuf b = alloc.buffer(5 + remaining);
            b.writeByte(0x10);
            writeRemainingLength(b, remaining);
            b.writeShort(4).writeBytes("MQTT".getBytes(StandardCharsets.US_ASCII)).writeByte(4).writeByte(flags)
                    .writeShort(options.keepAliveSeconds());
            b.writeShort(clientId.length).writeBytes(clientId);
            if (user != null) {
                b.writeShort(user.length).writeBytes(user);
            }
            if (password != null) {
                b.writeShort(password.length).writeBytes(password);
            }
            return b;
        }

        private ByteBuf subscribeFrame(ByteBufAllocator alloc) {
            byte[] filter = subscription.getBytes(StandardCharsets.UTF_8);
            int remaining = 2 + 2 + filter.length + 1;
            ByteBuf b = alloc.buffer(5 + remaining);
            b.writeByte(0x82);
            writeRemainingLength(b, remaining);
            b.writeShort(1).writeShort(filter.length).writeBytes(filter).writeByte(1);
            return b;
        }
    }

    /** Fixed header, remaining length and topic of a QoS 1 PUBLISH; the packet id and payload follow. */
    static byte[] publishPrefix(String topic, int payloadLength) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        int remaining = 2 + t.length + 2 + payloadLength;
        ByteBuf b = Unpooled.buffer(5 + 2 + t.length);
        b.writeByte(0x32);
        writeRemainingLength(b, remaining);
        b.writeShort(t.length).writeBytes(t);
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    static void writeRemainingLength(ByteBuf b, int length) {
        do {
            int digit = length % 128;
            length /= 128;
            b.writeByte(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
    }
}
