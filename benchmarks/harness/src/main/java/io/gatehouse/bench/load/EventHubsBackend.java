package io.gatehouse.bench.load;

import io.gatehouse.bench.broker.GatehouseDialect;
import io.gatehouse.bench.broker.RunningBroker;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.Delivery;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.ReceiverOptions;

/**
 * A telemetry back end over AMQP that times each message from its intended send (carried in the payload) to its
 * receipt. On Gatehouse: one receiver per partition of the Event Hub-compatible endpoint ({@code $Default}
 * group). On Artemis: a durable subscription to every device's telemetry address (the MQTT topics
 * {@code devices/<id>/messages/events/} are the addresses {@code devices.<id>.messages.events.}).
 */
public final class EventHubsBackend implements AutoCloseable {

    private static final int CREDITS = 1_000;

    private final Connection connection;
    private final List<Thread> readers = new ArrayList<>();
    private final Latencies latencies = new Latencies();
    private final AtomicLong received = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final String description;

    private EventHubsBackend(Connection connection, List<Receiver> receivers, String description) {
        this.connection = connection;
        this.description = description;
        for (Receiver receiver : receivers) {
            Thread t = new Thread(() -> read(receiver), "telemetry-reader");
            t.setDaemon(true);
            t.start();
            readers.add(t);
        }
    }

    public static EventHubsBackend attach(RunningBroker broker) throws Exception {
        Connection c = Amqp.connect(broker.host(), broker.amqpPort());
        ReceiverOptions options = new ReceiverOptions().creditWindow(CREDITS).autoAccept(true);
        List<Receiver> receivers = new ArrayList<>();
        String description;
        if (broker.dialect() instanceof GatehouseDialect g) {
            Amqp.putToken(c, g.hostName(), g.serviceToken());
            for (int p = 0; p < g.partitionCount(); p++) {
                receivers.add(c.openReceiver("messages/events/ConsumerGroups/$Default/Partitions/" + p, options).openFuture()
                        .get(30, TimeUnit.SECONDS));
            }
            description = "back end: Event Hubs-compatible endpoint over AMQP, one receiver per partition";
        } else {
            options.sourceOptions().capabilities("topic");
            receivers.add(c.openDurableReceiver("devices.#", "bench-e2e", options).openFuture().get(30, TimeUnit.SECONDS));
            description = "back end: AMQP durable subscription to devices.# (the MQTT telemetry addresses)";
        }
        return new EventHubsBackend(c, receivers, description);
    }

    public String description() {
        return description;
    }

    public Latencies latencies() {
        return latencies;
    }

    public long received() {
        return received.get();
    }

    private void read(Receiver receiver) {
        try {
            while (!stop.get()) {
                Delivery d = receiver.receive(100, TimeUnit.MILLISECONDS);
                if (d != null) {
                    long now = System.nanoTime();
                    Object body = d.message().body();
                    if (body instanceof byte[] bytes && bytes.length >= Long.BYTES) {
                        latencies.recordNanos(now - Payloads.sendNanos(ByteBuffer.wrap(bytes)));
                    }
                    received.incrementAndGet();
                }
            }
        } catch (Exception e) {
            if (!stop.get()) {
                System.err.println("telemetry back end stopped reading: " + e);
            }
        }
    }

    @Override
    public void close() {
        stop.set(true);
        for (Thread t : readers) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        connection.close();
    }
}
