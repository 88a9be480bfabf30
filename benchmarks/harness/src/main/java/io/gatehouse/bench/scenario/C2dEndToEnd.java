package io.gatehouse.bench.scenario;

import io.gatehouse.bench.broker.GatehouseDialect;
import io.gatehouse.bench.broker.MessagePath;
import io.gatehouse.bench.broker.RunningBroker;
import io.gatehouse.bench.load.AmqpC2dService;
import io.gatehouse.bench.load.C2dService;
import io.gatehouse.bench.load.Latencies;
import io.gatehouse.bench.load.MqttC2dService;
import io.gatehouse.bench.load.OpenLoopPacer;
import io.gatehouse.bench.load.Payloads;
import io.gatehouse.bench.load.RawMqttFleet;
import io.gatehouse.bench.load.RestC2dService;
import io.gatehouse.bench.load.Waits;
import io.gatehouse.bench.os.CpuMeter;
import io.gatehouse.bench.report.ResultRow;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 3: a service sends 256-B C2D messages over AMQP to 1,000 MQTT devices (persistent sessions, QoS 1
 * subscriptions), which acknowledge each with PUBACK. The devices are the lean generator ({@link RawMqttFleet}): a
 * full client library on the generator's one core capped the loop near 18,000 msgs/s. Throughput comes from a
 * closed loop with a bounded number of messages in flight per device (well under IoT Hub's queue depth of 50);
 * latency (service send to device receipt) from an open loop at half that throughput, measured from the intended
 * send time. Peers get the nearest equivalent: a durable subscription queue per device, and AMQP where the broker
 * speaks it (Artemis).
 */
public final class C2dEndToEnd implements Scenario {

    static final int PAYLOAD = 256;
    /** Sequence numbers the receivers can check off (64 MB of counters): far more than a run sends. */
    static final int MAX_MESSAGES = 16_000_000;

    @Override
    public String id() {
        return "c2d-e2e";
    }

    @Override
    public MessagePath path() {
        return MessagePath.C2D;
    }

    @Override
    public int devicesNeeded(Scale scale) {
        return scale.c2dDevices();
    }

    static C2dService openService(RunningBroker broker) throws Exception {
        if (broker.hasAmqp()) {
            return AmqpC2dService.open(broker);
        }
        return broker.dialect() instanceof GatehouseDialect g ? RestC2dService.open(g) : MqttC2dService.open(broker);
    }

    @Override
    public List<ResultRow> run(RunningBroker broker, ScenarioContext ctx) throws Exception {
        Scale s = ctx.scale();
        int devices = s.c2dDevices();
        int window = devices * s.c2dWindowPerDevice();
        C2dReceivers receivers = new C2dReceivers(MAX_MESSAGES);
        try (RawMqttFleet fleet = RawMqttFleet.c2dFleet(broker, Devices.ids(0, devices), receivers::onPayload, Duration.ofMinutes(5));
             C2dService service = openService(broker)) {
            int[] seq = {0};
            closedLoop(service, fleet, receivers, window, s.c2dWarmup(), seq);
            awaitArrivals(receivers, seq[0]);

            receivers.latencies().reset();
            CpuMeter cpu = CpuMeter.start(broker.processTree());
            CpuMeter generator = CpuMeter.self();
            long before = receivers.received();
            closedLoop(service, fleet, receivers, window, s.c2dPhase(), seq);
            long delivered = receivers.received() - before;
            double throughput = delivered / (s.c2dPhase().toNanos() / 1e9);
            double cpuPerMsg = delivered == 0 ? 0 : (double) cpu.cpuMicros() / delivered;
            // which side limits the closed loop: a broker core short of busy beside a saturated generator is the generator's limit
            double brokerBusy = cpu.utilisation();
            double generatorCpu = generator.utilisation();
            String busy = String.format(Locale.ROOT, "closed loop: broker core %.0f%% busy, load generator %.0f%%",
                    brokerBusy * 100, generatorCpu * 100);
            boolean drainedA = awaitArrivals(receivers, seq[0]);
            ctx.progress("%s: closed loop %.0f msgs/s, %.1f broker CPU-us/msg; %s", broker.kind().id(), throughput, cpuPerMsg, busy);

            double rate = Math.max(1, throughput / 2);
            receivers.latencies().reset();
            long maxBacklog = (long) devices * 20;
            boolean[] overloaded = {false};
            OpenLoopPacer.run(rate, s.c2dPhase().toNanos(), (i, intended) -> {
                if (overloaded[0] || seq[0] - receivers.received() > maxBacklog) {
                    overloaded[0] = true;
                    return;
                }
                int n = seq[0]++;
                service.send(fleet.id(n % devices), n, Payloads.make(PAYLOAD, intended, n));
            });
            boolean drainedB = awaitArrivals(receivers, seq[0]);
            Latencies.Summary l = receivers.latencies().takeSummary();
            service.awaitAcknowledged(Duration.ofSeconds(30));

            ResultRow row = ctx.row(id(), devices + " MQTT devices, 256 B, QoS 1", broker)
                    .msgsPerSec(throughput).latency(l.p50Micros(), l.p99Micros(), l.p999Micros())
                    .cpuMicrosPerMsg(cpuPerMsg).messages(seq[0]).errors(service.failures())
                    .duplicates(receivers.duplicates()).losses(seq[0] - receivers.distinct())
                    .loadGeneratorCpu(generatorCpu).note(busy)
                    .note(service.describe()).note("devices: the lean MQTT generator")
                    .note(String.format("latency at %.0f msgs/s (half the closed-loop rate), from intended send to device receipt", rate));
            if (!broker.kind().isGatehouse()) {
                row.note("peer: durable (persistent-session) subscription queue per device");
            }
            fleet.redialNote().ifPresent(row::note);
            if (!drainedA || !drainedB) {
                row.note("not every message arrived within 60 s of the end of a phase");
            }
            if (overloaded[0]) {
                row.note("open-loop phase stopped early: backlog passed 20 per device");
            }
            ctx.progress("%s: open loop at %.0f/s p50 %.0f us p99 %.0f us", broker.kind().id(), rate, l.p50Micros(), l.p99Micros());
            return List.of(row);
        }
    }

    /** Sends round-robin for {@code duration} with at most {@code window} messages sent but not yet received. */
    private static void closedLoop(C2dService service, RawMqttFleet fleet, C2dReceivers receivers, int window,
                                   Duration duration, int[] seq) throws Exception {
        long inFlight = seq[0] - receivers.received();
        receivers.arrivals().drainPermits();
        receivers.arrivals().release((int) Math.max(0, window - inFlight));
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            if (!receivers.arrivals().tryAcquire(100, TimeUnit.MILLISECONDS)) {
                continue;
            }
            int n = seq[0]++;
            service.send(fleet.id(n % fleet.size()), n, Payloads.make(PAYLOAD, System.nanoTime(), n));
        }
    }

    private static boolean awaitArrivals(C2dReceivers receivers, long sent) throws InterruptedException {
        return Waits.until(() -> receivers.distinct() >= sent, Duration.ofSeconds(60));
    }
}
