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
        return scale.backlogDevices();
    }

    @Override
    public List<ResultRow> run(RunningBroker broker, ScenarioContext ctx) throws Exception {
        Scale s = ctx.scale();
        int devices = s.backlogDevices();
        int perDevice = s.backlogPerDevice();
        int total = devices * perDevice;
        List<String> ids = Devices.ids(0, devices);
        boolean sessions = !broker.kind().isGatehouse();
        C2dReceivers receivers = new C2dReceivers(total);
        MqttFleet.Options options = new MqttFleet.Options(broker.host(), broker.mqtt(), broker.dialect(), !sessions, 600, null, receivers);
        if (sessions) {
            // create each device's persistent session and subscription, then leave
            try (MqttFleet once = MqttFleet.connect(ids, options, 500, Duration.ofMinutes(10))) {
                once.subscribeC2d(broker.dialect(), 500, Duration.ofMinutes(10));
            }
        }
        long enqueueStart = System.nanoTime();
        long refused;
        String serviceDescription;
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
            try (MqttFleet fleet = MqttFleet.connect(ids, options, 500, s.backlogTimeout())) {
                if (!sessions) {
                    fleet.subscribeC2d(broker.dialect(), 500, s.backlogTimeout());
                }
                // a broker that dies (out of memory, say) ends the wait at once, not after the timeout
                complete = Waits.until(() -> receivers.distinct() >= total - refused || !broker.processes().isAlive(),
                        s.backlogTimeout());
                if (!broker.processes().isAlive()) {
                    throw new IllegalStateException("the broker exited while the backlog drained");
                }
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
                .note(serviceDescription).note(String.format("queued at %.0f msgs/s", enqueueRate));
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
}
