package io.gatehouse.bench.scenario;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.gatehouse.bench.broker.RunningBroker;
import io.gatehouse.bench.load.Latencies;
import io.gatehouse.bench.load.MqttFleet;
import io.gatehouse.bench.load.TelemetryBackend;
import io.gatehouse.bench.os.CpuMeter;
import io.gatehouse.bench.report.ResultRow;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Scenario 1: one device publishes 256-B QoS 1 telemetry synchronously (next PUBLISH after the PUBACK). */
public final class LatencyFloor implements Scenario {

    static final int PAYLOAD = 256;

    @Override
    public String id() {
        return "latency-floor";
    }

    @Override
    public int devicesNeeded(Scale scale) {
        return 1;
    }

    @Override
    public List<ResultRow> run(RunningBroker broker, ScenarioContext ctx) throws Exception {
        Scale s = ctx.scale();
        TelemetryBackend backend = broker.dialect().telemetryNeedsSubscriber() ? TelemetryBackend.attach(broker) : null;
        try (MqttFleet fleet = MqttFleet.connect(Devices.ids(0, 1), D2cCapacity.deviceOptions(broker), 1, Duration.ofSeconds(60))) {
            Mqtt3AsyncClient client = fleet.client(0);
            String topic = broker.dialect().telemetryTopic(fleet.id(0));
            byte[] payload = new byte[PAYLOAD];
            Latencies latencies = new Latencies();
            for (int i = 0; i < s.latencyWarmupMessages(); i++) {
                publish(client, topic, payload);
            }
            latencies.reset();
            CpuMeter cpu = CpuMeter.start(broker.processTree());
            long start = System.nanoTime();
            for (int i = 0; i < s.latencyMessages(); i++) {
                long t0 = System.nanoTime();
                publish(client, topic, payload);
                latencies.recordNanos(System.nanoTime() - t0);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Latencies.Summary l = latencies.takeSummary();
            ResultRow row = ctx.row(id(), "1 device, 256 B, QoS 1, synchronous", broker)
                    .msgsPerSec(s.latencyMessages() / seconds)
                    .latency(l.p50Micros(), l.p99Micros(), l.p999Micros())
                    .cpuMicrosPerMsg((double) cpu.cpuMicros() / s.latencyMessages())
                    .messages(s.latencyMessages())
                    .errors(0);
            if (backend != null) {
                long expected = (long) s.latencyWarmupMessages() + s.latencyMessages();
                row.note("peer stores telemetry for a persistent-session QoS 1 back-end subscriber");
                if (!backend.awaitReceived(expected, Duration.ofSeconds(30))) {
                    row.losses(expected - backend.received()).note("back end did not receive every acknowledged message");
                }
            }
            ctx.progress("%s: p50 %.0f us, p99 %.0f us, p99.9 %.0f us", broker.kind().id(), l.p50Micros(), l.p99Micros(), l.p999Micros());
            return List.of(row);
        } finally {
            if (backend != null) {
                backend.close();
            }
        }
    }

    private static void publish(Mqtt3AsyncClient client, String topic, byte[] payload) throws Exception {
        client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send().get(30, TimeUnit.SECONDS);
    }
}
