package io.gatehouse.bench.scenario;

import io.gatehouse.bench.broker.MessagePath;
import io.gatehouse.bench.broker.RunningBroker;
import io.gatehouse.bench.load.C2dService;
import io.gatehouse.bench.load.MqttFleet;
import io.gatehouse.bench.load.Payloads;
import io.gatehouse.bench.load.Waits;
import io.gatehouse.bench.os.CpuMeter;
import io.gatehouse.bench.os.RssSampler;
import io.gatehouse.bench.report.ResultRow;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 5: 50 C2D messages queued for each of 10,000 offline devices, then every device reconnects at once.
 * Reports the drain rate (from the first reconnect to the last distinct message), duplicates and losses (counted
 * per message by sequence number; losses must be zero), and the broker's peak RSS during the drain. Peers keep the
 * backlog in each device's persistent session (the devices subscribed once with CleanSession=0 and went away);
 * Gatehouse keeps it in the device's C2D queue, whatever the session.
 *
 * <p>First a tenth as many other devices go through the same cycle unmeasured: a broker that has run for a while
 * has compiled its delivery path, and without this warm-up a JVM broker's JIT took about 40 % of its CPU during
 * the measured drain (Gatehouse, async-profiler), so the drain rate said more about the compiler than the broker.
 */
public final class OfflineBacklog implements Scenario {

    static final int PAYLOAD = 64;

    @Override
    public String id() {
        return "offline-backlog";
    }

    @Override
    public MessagePath path() {
        return MessagePath.C2D;
    }

    @Override
    public int devicesNeeded(Scale scale) {
        return scale.backlogDevices() + warmUpDevices(scale);
    }

    /** The warm-up cycle's devices, after the measured ones. */
    static int warmUpDevices(Scale scale) {
        return Math.max(1, scale.backlogDevices() / 10);
    }

    @Override
    public List<ResultRow> run(RunningBroker broker, ScenarioContext ctx) throws Exception {
        Scale s = ctx.scale();
        int devices = s.backlogDevices();
        int perDevice = s.backlogPerDevice();
        int total = devices * perDevice;
        boolean sessions = !broker.kind().isGatehouse();
        Backlog warmUp = new Backlog(broker, Devices.ids(devices, warmUpDevices(s)), perDevice, sessions);
        warmUp.queue();
        try (MqttFleet fleet = warmUp.reconnect(s.backlogTimeout())) {
            if (!warmUp.drained(s.backlogTimeout())) {
                throw new IllegalStateException("the warm-up backlog did not drain: " + warmUp.receivers.distinct() + " of "
                        + warmUp.total + " messages arrived");
            }
        }
        ctx.progress("%s: warm-up backlog of %d messages drained", broker.kind().id(), warmUp.total);

        Backlog backlog = new Backlog(broker, Devices.ids(0, devices), perDevice, sessions);
        C2dReceivers receivers = backlog.receivers;
        long enqueueStart = System.nanoTime();
        backlog.queue();
        long refused = backlog.refused;
        String serviceDescription = backlog.serviceDescription;
        double enqueueRate = total / ((System.nanoTime() - enqueueStart) / 1e9);
        ctx.progress("%s: %d messages queued at %.0f msgs/s (%d refused)", broker.kind().id(), total, enqueueRate, refused);

        long received;
        long distinct;
        double drainSeconds;
        long peak;
        long cpuMicros;
        boolean complete;
        try (RssSampler rss = new RssSampler(broker.processTree())) {
            CpuMeter cpu = CpuMeter.start(broker.processTree());
            long start = System.nanoTime();
            try (MqttFleet fleet = backlog.reconnect(s.backlogTimeout())) {
                complete = backlog.drained(s.backlogTimeout());
                drainSeconds = (System.nanoTime() - start) / 1e9;
                cpuMicros = cpu.cpuMicros();
                // a duplicate may trail the last new message: give it a moment to show
                TimeUnit.SECONDS.sleep(1);
                received = receivers.received();
                distinct = receivers.distinct();
                peak = Math.max(rss.peakBytes(), 0);
            }
        }
        ResultRow row = ctx.row(id(), devices + " devices x " + perDevice + " queued, all reconnect", broker)
                .msgsPerSec(distinct / drainSeconds).messages(total)
                .duplicates(received - distinct).losses(total - refused - distinct).errors(refused)
                .peakRssBytes(peak).rssBytes(broker.processTree().memoryBytes())
                .cpuMicrosPerMsg(distinct == 0 ? 0 : (double) cpuMicros / distinct)
                .note(serviceDescription).note(String.format("queued at %.0f msgs/s", enqueueRate))
                .note(String.format("after an unmeasured warm-up backlog of %d messages to %d other devices", warmUp.total,
                        warmUp.ids.size()));
        if (sessions) {
            row.note("peer: backlog held in persistent sessions (CleanSession=0, QoS 1)");
        }
        if (!complete) {
            row.note("drain incomplete after " + s.backlogTimeout().toSeconds() + " s");
        }
        if (refused > 0) {
            row.note(refused + " sends refused by the broker while queueing");
        }
        ctx.progress("%s: drained %d/%d at %.0f msgs/s, %d duplicates, peak RSS %d MB", broker.kind().id(), distinct, total,
                distinct / drainSeconds, received - distinct, peak >> 20);
        return List.of(row);
    }

    /** One backlog cycle: devices whose queues (or persistent sessions) are filled while they are away. */
    private static final class Backlog {

        final RunningBroker broker;
        final List<String> ids;
        final int perDevice;
        final int total;
        final boolean sessions;
        final C2dReceivers receivers;
        final MqttFleet.Options options;
        long refused;
        String serviceDescription;

        Backlog(RunningBroker broker, List<String> ids, int perDevice, boolean sessions) {
            this.broker = broker;
            this.ids = ids;
            this.perDevice = perDevice;
            this.total = ids.size() * perDevice;
            this.sessions = sessions;
            this.receivers = new C2dReceivers(total);
            this.options = new MqttFleet.Options(broker.host(), broker.mqtt(), broker.dialect(), !sessions, 600, null, receivers);
        }

        /** Queues the backlog, every device's k-th message before any device's (k+1)-th. */
        void queue() throws Exception {
            if (sessions) {
                // create each device's persistent session and subscription, then leave
                try (MqttFleet once = MqttFleet.connect(ids, options, 500, Duration.ofMinutes(10))) {
                    once.subscribeC2d(broker.dialect(), 500, Duration.ofMinutes(10));
                }
            }
            int devices = ids.size();
            try (C2dService service = C2dEndToEnd.openService(broker)) {
                for (int k = 0; k < perDevice; k++) {
                    for (int d = 0; d < devices; d++) {
                        int seq = k * devices + d;
                        service.send(ids.get(d), seq, Payloads.make(PAYLOAD, System.nanoTime(), seq));
                    }
                }
                if (!service.awaitAcknowledged(Duration.ofMinutes(10))) {
                    throw new IllegalStateException("the backlog was not acknowledged within 10 minutes");
                }
                refused = service.failures();
                serviceDescription = service.describe();
            }
        }

        /** Every device connects at once (Gatehouse's subscribe then; the peers' sessions hold theirs). */
        MqttFleet reconnect(Duration timeout) throws Exception {
            MqttFleet fleet = MqttFleet.connect(ids, options, 500, timeout);
            if (!sessions) {
                try {
                    fleet.subscribeC2d(broker.dialect(), 500, timeout);
                } catch (Exception | Error e) {
                    fleet.close();
                    throw e;
                }
            }
            return fleet;
        }

        /** Waits for every message not refused; false on the timeout. */
        boolean drained(Duration timeout) throws InterruptedException {
            // a broker that dies (out of memory, say) ends the wait at once, not after the timeout
            boolean complete = Waits.until(() -> receivers.distinct() >= total - refused || !broker.processes().isAlive(),
                    timeout);
            if (!broker.processes().isAlive()) {
                throw new IllegalStateException("the broker exited while the backlog drained");
            }
            return complete;
        }
    }
}
