package io.gatehouse.bench.scenario;

import io.gatehouse.bench.broker.Broker;
import io.gatehouse.bench.broker.RunningBroker;
import io.gatehouse.bench.load.EventHubsBackend;
import io.gatehouse.bench.load.Latencies;
import io.gatehouse.bench.load.RawMqttFleet;
import io.gatehouse.bench.load.Waits;
import io.gatehouse.bench.os.CpuMeter;
import io.gatehouse.bench.report.ResultRow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * End-to-end D2C latency: 1,000 devices publish 256-B QoS 1 telemetry open loop at fixed rates, and a back end
 * receives it over AMQP: on Gatehouse from the Event Hub-compatible endpoint (what an IoT Hub back end reads), on
 * Artemis from a durable subscription to the telemetry addresses. The latency runs from the intended send to the
 * back end's receipt, so it includes the durable write, the acknowledgement and the delivery. Peers without AMQP
 * are not run: their MQTT subscriber is measured by nothing comparable.
 */
public final class D2cEndToEnd implements Scenario {

    /** The same rates for every broker, so that rows compare; the higher is about Artemis's D2C capacity. */
    static final List<Integer> RATES = List.of(5_000, 20_000);
    static final List<Integer> QUICK_RATES = List.of(500);

    @Override
    public String id() {
        return "d2c-e2e";
    }

    @Override
    public Optional<String> notApplicable(Broker broker) {
        return broker.speaksAmqp() ? Optional.empty() : Optional.of("no AMQP 1.0 back end in " + broker.id());
    }

    @Override
    public int devicesNeeded(Scale scale) {
        return scale.d2cDevices();
    }

    @Override
    public List<ResultRow> run(RunningBroker broker, ScenarioContext ctx) throws Exception {
        Scale s = ctx.scale();
        List<ResultRow> rows = new ArrayList<>();
        try (EventHubsBackend backend = EventHubsBackend.attach(broker);
             RawMqttFleet fleet = RawMqttFleet.telemetryFleet(broker, Devices.ids(0, s.d2cDevices()), LatencyFloor.PAYLOAD,
                     1_000)) {
            List<Integer> rates = s.quick() ? QUICK_RATES : RATES;
            fleet.drive(rates.get(0), s.d2cWarmup(), Duration.ofSeconds(60), 2);
            for (int rate : rates) {
                rows.add(step(broker, ctx, fleet, backend, rate));
            }
        }
        return rows;
    }

    private ResultRow step(RunningBroker broker, ScenarioContext ctx, RawMqttFleet fleet, EventHubsBackend backend,
                           int rate) throws Exception {
        Scale s = ctx.scale();
        long receivedBefore = backend.received();
        backend.latencies().reset();
        CpuMeter cpu = CpuMeter.start(broker.processTree());
        RawMqttFleet.Result r = fleet.drive(rate, s.d2cStep(), Duration.ofSeconds(60));
        long expected = receivedBefore + r.acknowledged();
        boolean allArrived = Waits.until(() -> backend.received() >= expected, Duration.ofSeconds(60));
        long cpuMicros = cpu.cpuMicros();
        Latencies.Summary e2e = backend.latencies().takeSummary();
        long missing = Math.max(0, expected - backend.received());
        ctx.progress("%s: %d/s end to end p50 %.0f us p99 %.0f us (PUBACK p99 %.0f us)%s", broker.kind().id(), rate,
                e2e.p50Micros(), e2e.p99Micros(), r.latency().p99Micros(), allArrived ? "" : ", " + missing + " missing");
        ResultRow row = ctx.row(id(), s.d2cDevices() + " devices, 256 B, QoS 1, " + rate + "/s open loop", broker)
                .msgsPerSec(r.acknowledged() / (s.d2cStep().toNanos() / 1e9))
                .latency(e2e.p50Micros(), e2e.p99Micros(), e2e.p999Micros())
                .cpuMicrosPerMsg(r.acknowledged() == 0 ? 0 : (double) cpuMicros / r.acknowledged())
                .errors(r.issued() - r.acknowledged()).losses(missing)
                .note("latency from intended publish to back-end receipt; " + backend.description())
                .note(String.format("PUBACK p50 %.0f us, p99 %.0f us", r.latency().p50Micros(), r.latency().p99Micros()));
        if (!allArrived) {
            row.note(missing + " acknowledged messages had not reached the back end 60 s after the step");
        }
        return row;
    }
}
