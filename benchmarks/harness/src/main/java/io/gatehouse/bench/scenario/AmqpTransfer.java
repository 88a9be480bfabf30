package io.gatehouse.bench.scenario;

import io.gatehouse.bench.broker.Broker;
import io.gatehouse.bench.broker.GatehouseDialect;
import io.gatehouse.bench.broker.RunningBroker;
import io.gatehouse.bench.load.Amqp;
import io.gatehouse.bench.load.Latencies;
import io.gatehouse.bench.load.Payloads;
import io.gatehouse.bench.os.CpuMeter;
import io.gatehouse.bench.report.ResultRow;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.Delivery;
import org.apache.qpid.protonj2.client.DeliveryState;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.ReceiverOptions;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.Tracker;

/**
 * Scenario 4, RabbitMQ's published AMQP set-up: 1 sender, 1 receiver, 12-byte durable bodies, the receiver granting
 * 200 credits; the sender keeps at most 200 messages unsettled. On Artemis: one durable anycast queue. On Gatehouse,
 * which has no general queue, the nearest mapping: a device sends D2C events over AMQP (stored durably, then
 * accepted) and a service reads them from the Event Hubs-style endpoint of the device's partition
 * ({@code messages/events/ConsumerGroups/$Default/Partitions/N}). The latter is a stream read, not a queue
 * consume: there is no per-message acknowledgement write on Gatehouse's side.
 */
public final class AmqpTransfer implements Scenario {

    static final int BODY = 12;
    static final int CREDITS = 200;
    static final int UNSETTLED = 200;

    @Override
    public String id() {
        return "amqp-transfer";
    }

    @Override
    public Optional<String> notApplicable(Broker broker) {
        return broker.speaksAmqp() ? Optional.empty() : Optional.of("no AMQP 1.0 in " + broker.id());
    }

    @Override
    public int devicesNeeded(Scale scale) {
        return 1;
    }

    @Override
    public List<ResultRow> run(RunningBroker broker, ScenarioContext ctx) throws Exception {
        if (!broker.hasAmqp()) {
            throw new IllegalStateException(broker.kind().id() + " listens for no plain AMQP in this build");
        }
        Connection senderConnection = Amqp.connect(broker.host(), broker.amqpPort());
        Connection receiverConnection = Amqp.connect(broker.host(), broker.amqpPort());
        try {
            Sender sender;
            Receiver receiver;
            ReceiverOptions credit = new ReceiverOptions().creditWindow(CREDITS).autoAccept(true);
            String mapping;
            if (broker.dialect() instanceof GatehouseDialect g) {
                String device = Devices.id(0);
                Amqp.putToken(senderConnection, g.hostName() + "/devices/" + device, g.deviceToken(device));
                Amqp.putToken(receiverConnection, g.hostName(), g.serviceToken());
                sender = senderConnection.openSender("/devices/" + device + "/messages/events");
                String partition = "messages/events/ConsumerGroups/$Default/Partitions/" + g.partitionOf(device);
                receiver = receiverConnection.openReceiver(partition, credit);
                mapping = "D2C send over AMQP, read from " + partition;
            } else {
                sender = senderConnection.openSender("bench.transfer");
                receiver = receiverConnection.openReceiver("bench.transfer", credit);
                mapping = "durable anycast queue";
            }
            return List.of(measure(broker, ctx, sender, receiver).note(mapping));
        } finally {
            senderConnection.close();
            receiverConnection.close();
        }
    }

    private ResultRow measure(RunningBroker broker, ScenarioContext ctx, Sender sender, Receiver receiver) throws Exception {
        Latencies latencies = new Latencies();
        AtomicLong received = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> receiveFailure = new AtomicReference<>();
        Thread receiving = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Delivery d = receiver.receive(100, TimeUnit.MILLISECONDS);
                    if (d != null) {
                        byte[] body = (byte[]) d.message().body();
                        latencies.recordNanos(System.nanoTime() - Payloads.sendNanos(ByteBuffer.wrap(body)));
                        received.incrementAndGet();
                    }
                }
            } catch (Throwable t) {
                receiveFailure.set(t);
            }
        }, "amqp-receiver");
        receiving.start();
        ArrayDeque<Tracker> unsettled = new ArrayDeque<>();
        long[] rejected = {0};
        int[] seq = {0};
        Scale s = ctx.scale();
        send(sender, unsettled, rejected, seq, s.amqpWarmup().toNanos());
        latencies.reset();
        long before = received.get();
        CpuMeter cpu = CpuMeter.start(broker.processTree());
        send(sender, unsettled, rejected, seq, s.amqpPhase().toNanos());
        long delivered = received.get() - before;
        long cpuMicros = cpu.cpuMicros();
        Latencies.Summary l = latencies.takeSummary();
        for (Tracker t : unsettled) {
            t.awaitSettlement(30, TimeUnit.SECONDS);
        }
        stop.set(true);
        receiving.join(TimeUnit.SECONDS.toMillis(10));
        double rate = delivered / (s.amqpPhase().toNanos() / 1e9);
        ctx.progress("%s: %.0f msgs/s, p99 %.0f us", broker.kind().id(), rate, l.p99Micros());
        ResultRow row = ctx.row(id(), "1 sender, 1 receiver, 12 B, 200 credits", broker)
                .msgsPerSec(rate).latency(l.p50Micros(), l.p99Micros(), l.p999Micros())
                .cpuMicrosPerMsg(delivered == 0 ? 0 : (double) cpuMicros / delivered)
                .messages(seq[0]).errors(rejected[0]);
        if (receiveFailure.get() != null) {
            row.note("receiver failed: " + receiveFailure.get());
        }
        return row;
    }

    private static void send(Sender sender, ArrayDeque<Tracker> unsettled, long[] rejected, int[] seq, long nanos) throws Exception {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            if (unsettled.size() >= UNSETTLED) {
                Tracker oldest = unsettled.pollFirst().awaitSettlement(30, TimeUnit.SECONDS);
                if (oldest.remoteState() == null
                        || oldest.remoteState().getType() != DeliveryState.Type.ACCEPTED) {
                    rejected[0]++;
                }
            }
            int n = seq[0]++;
            unsettled.addLast(sender.send(Message.create(Payloads.make(BODY, System.nanoTime(), n)).durable(true)));
        }
    }
}
