package io.gatehouse.bench.load;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.gatehouse.bench.broker.Dialect;
import io.gatehouse.bench.broker.MqttNodes;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Many MQTT 3.1.1 devices (HiveMQ MQTT client, one client per device, all on the client library's shared event
 * loop), connected with a bounded number of CONNECTs in flight.
 */
public final class MqttFleet implements HeldConnections {

    /** How the fleet's clients connect: device {@code i} of the fleet to the node {@code nodes} gives it. */
    public record Options(String host, MqttNodes nodes, Dialect dialect, boolean cleanSession, int keepAliveSeconds,
                          InetAddress localAddress, Consumer<Mqtt3Publish> onMessage) {
    }

    private final List<Mqtt3AsyncClient> clients;
    private final List<String> ids;
    private final long connectNanos;

    private MqttFleet(List<String> ids, List<Mqtt3AsyncClient> clients, long connectNanos) {
        this.ids = ids;
        this.clients = clients;
        this.connectNanos = connectNanos;
    }

    /** Connects one client per id; fails if any CONNECT fails or they are not all connected within the timeout. */
    public static MqttFleet connect(List<String> ids, Options o, int inFlight, Duration timeout) throws Exception {
        List<Mqtt3AsyncClient> clients = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            clients.add(build(ids.get(i), o.nodes().portOf(i), o));
        }
        long start = System.nanoTime();
        connectAll(clients, ids, o, inFlight, timeout);
        return new MqttFleet(ids, clients, System.nanoTime() - start);
    }

    private static Mqtt3AsyncClient build(String id, int port, Options o) {
        var builder = MqttClient.builder().useMqttVersion3().identifier(id).serverHost(o.host()).serverPort(port);
        if (o.localAddress() != null) {
            builder = builder.transportConfig().localAddress(o.localAddress()).socketConnectTimeout(60, TimeUnit.SECONDS)
                    .mqttConnectTimeout(60, TimeUnit.SECONDS).applyTransportConfig();
        } else {
            builder = builder.transportConfig().socketConnectTimeout(60, TimeUnit.SECONDS)
                    .mqttConnectTimeout(60, TimeUnit.SECONDS).applyTransportConfig();
        }
        Mqtt3AsyncClient client = builder.buildAsync();
        if (o.onMessage() != null) {
            // registered before CONNECT: a persistent session may deliver queued messages before any SUBSCRIBE
            client.publishes(MqttGlobalPublishFilter.ALL, o.onMessage());
        }
        return client;
    }

    private static void connectAll(List<Mqtt3AsyncClient> clients, List<String> ids, Options o, int inFlight,
                                   Duration timeout) throws Exception {
        Semaphore window = new Semaphore(inFlight);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong done = new AtomicLong();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < clients.size() && failure.get() == null; i++) {
            if (!window.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("connecting timed out after " + done.get() + " of " + clients.size());
            }
            var connect = clients.get(i).connectWith().cleanSession(o.cleanSession()).keepAlive(o.keepAliveSeconds());
            var credentials = o.dialect().deviceCredentials(ids.get(i));
            CompletableFuture<?> f = credentials.isPresent()
                    ? connect.simpleAuth().username(credentials.get().username()).password(credentials.get().password())
                            .applySimpleAuth().send()
                    : connect.send();
            String id = ids.get(i);
            f.whenComplete((ack, err) -> {
                if (err != null) {
                    failure.compareAndSet(null, new IllegalStateException("CONNECT of " + id + " failed: " + err, err));
                }
                done.incrementAndGet();
                window.release();
            });
        }
        if (!window.tryAcquire(inFlight, Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException("connecting timed out after " + done.get() + " of " + clients.size());
        }
        window.release(inFlight);
        if (failure.get() != null) {
            throw (Exception) failure.get();
        }
    }

    /** Subscribes every device to its own C2D filter at QoS 1; waits for every SUBACK. */
    public void subscribeC2d(Dialect dialect, int inFlight, Duration timeout) throws Exception {
        Semaphore window = new Semaphore(inFlight);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < clients.size(); i++) {
            if (!window.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("subscribing timed out");
            }
            String id = ids.get(i);
            clients.get(i).subscribeWith().topicFilter(dialect.c2dFilter(id)).qos(MqttQos.AT_LEAST_ONCE).send()
                    .whenComplete((ack, err) -> {
                        if (err != null) {
                            failure.compareAndSet(null, err);
                        } else if (ack.getReturnCodes().stream().anyMatch(c -> c.isError())) {
                            failure.compareAndSet(null, new IllegalStateException("SUBACK refused for " + id + ": " + ack));
                        }
                        window.release();
                    });
        }
        if (!window.tryAcquire(inFlight, Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException("subscribing timed out");
        }
        window.release(inFlight);
        if (failure.get() != null) {
            throw new IllegalStateException("subscribe failed: " + failure.get(), failure.get());
        }
    }

    @Override
    public int size() {
        return clients.size();
    }

    public Mqtt3AsyncClient client(int index) {
        return clients.get(index);
    }

    public String id(int index) {
        return ids.get(index);
    }

    @Override
    public long connectNanos() {
        return connectNanos;
    }

    /** Disconnects every client (DISCONNECT sent), waiting a bounded time. */
    @Override
    public void close() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Mqtt3AsyncClient c : clients) {
            if (c.getState().isConnected()) {
                all.add(c.disconnect().exceptionally(e -> null));
            }
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort: the broker process is stopped right after anyway
        }
    }
}
