package io.gatehouse.bench.scenario;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3PublishResult;
import io.gatehouse.bench.broker.RunningBroker;
import io.gatehouse.bench.load.Latencies;
import io.gatehouse.bench.load.MqttFleet;
import io.gatehouse.bench.load.OpenLoopPacer;
import io.gatehouse.bench.load.Payloads;
import io.gatehouse.bench.load.RawMqttFleet;
import io.gatehouse.bench.load.TelemetryBackend;
import io.gatehouse.bench.load.Waits;
import io.gatehouse.bench.os.CpuMeter;
import io.gatehouse.bench.report.ResultRow;
import io.reactivex.processors.UnicastProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 2: 1,000 devices publish 256-B QoS 1 telemetry open-loop at rising rates until a step's p99 PUBACK
 * latency passes 50 ms, a publish fails, or the broker cannot keep up (a failed step is run once more, and only a
 * second failure ends the ladder); reports the highest rate held, its latency and the broker's CPU per message,
 * the p99 at half that rate, and the highest rate whose p99 stayed within 10 ms (the bound of the capacity goal).
 */
public final class D2cCapacity implements Scenario {

    static final double P99_LIMIT_MICROS = 50_000;
    /** The tighter bound a production hub is judged by: the report gives the capacity under it beside the held rate. */
    static final double TIGHT_P99_LIMIT_MICROS = 10_000;
    /** A step whose acknowledgements fall this far behind is abandoned (the broker is not keeping up). */
    static final long MAX_OUTSTANDING = 200_000;

    /** One step of the ladder. */
    record Step(int rate, double achieved, Latencies.Summary latency, long errors, double cpuMicrosPerMsg,
                double generatorCpu, boolean held, String why) {
        String brief() {
            return rate + "/s " + (held ? "held" : "FAILED (" + why + ")")
                    + String.format(" p99=%.0fus broker=%.1fus/msg generator=%.0f%%", latency.p99Micros(), cpuMicrosPerMsg, generatorCpu * 100);
        }
    }

    @Override
    public String id() {
        return "d2c-capacity";
    }

    @Override
    public int devicesNeeded(Scale scale) {
        return scale.d2cDevices();
    }

    static MqttFleet.Options deviceOptions(RunningBroker broker) {
        return new MqttFleet.Options(broker.host(), broker.mqtt(), broker.dialect(), true, 120, null, null);
    }

    @Override
    public List<ResultRow> run(RunningBroker broker, ScenarioContext ctx) throws Exception {
        Scale s = ctx.scale();
        boolean raw = "raw".equals(ctx.d2cGenerator());
        TelemetryBackend backend = !raw && broker.dialect().telemetryNeedsSubscriber() ? TelemetryBackend.attach(broker) : null;
        try (StepLoad load = raw ? RawLoad.connect(broker, s.d2cDevices()) : HiveMqLoad.connect(broker, s.d2cDevices(), backend)) {
            load.warmUp(s.quick() ? s.d2cRates().get(0) : Math.min(Scale.D2C_WARMUP_RATE, s.d2cRates().get(s.d2cRates().size() - 1)),
                    s.d2cWarmup());
            List<Step> ladder = new ArrayList<>();
            Step best = null;
            for (int rate : s.d2cRates()) {
                Step step = load.step(rate, s.d2cStep());
                ladder.add(step);
                ctx.progress("%s: %s", broker.kind().id(), step.brief());
                if (!step.held()) {
                    // one stall on a shared machine should not end the ladder: a failed step must fail twice
                    step = load.step(rate, s.d2cStep());
                    ladder.add(step);
                    ctx.progress("%s: retried: %s", broker.kind().id(), step.brief());
                }
                if (!step.held()) {
                    break;
                }
                best = step;
            }
            ResultRow row = ctx.row(id(), s.d2cDevices() + " devices, 256 B, QoS 1, open loop", broker);
            row.note(raw ? "load generator: lean MQTT client (pre-built frames, one event loop)"
                    : "load generator: HiveMQ MQTT client");
            StringBuilder steps = new StringBuilder("steps: ");
            ladder.forEach(st -> steps.append(st.brief()).append(", "));
            row.note(steps.substring(0, steps.length() - 2));
            if (broker.dialect().telemetryNeedsSubscriber()) {
                row.note("peer stores telemetry for a persistent-session QoS 1 back-end subscriber");
            }
            load.connectionNote().ifPresent(row::note);
            if (best == null) {
                return List.of(row.msgsPerSec(0).errors(ladder.get(0).errors()).note("not even the first step held"));
            }
            Step half = load.step(Math.max(1, best.rate() / 2), s.d2cStep());
            ctx.progress("%s: half rate %s", broker.kind().id(), half.brief());
            row.msgsPerSecWithinTightP99(highestWithin(ladder, TIGHT_P99_LIMIT_MICROS));
            recordHalfRate(row, half);
            row.msgsPerSec(best.achieved()).latency(best.latency().p50Micros(), best.latency().p99Micros(), best.latency().p999Micros())
                    .cpuMicrosPerMsg(best.cpuMicrosPerMsg())
                    .loadGeneratorCpu(best.generatorCpu()).errors(best.errors());
            if (best.generatorCpu() > 0.9) {
                row.note("load generator near 100% of its core at the held rate: the figure may be the generator's limit");
            }
            if (best == ladder.get(ladder.size() - 1)) {
                row.note("the top of the rate ladder held: capacity is at least this");
            }
            return List.of(row);
        } finally {
            if (backend != null) {
                backend.close();
            }
        }
    }

    /**
     * The half-rate step's p99, when it measured any acknowledgement (a step with none has no p99, not one of zero),
     * and why it failed, if it did.
     */
    static void recordHalfRate(ResultRow row, Step half) {
        if (half.latency().count() > 0) {
            row.p99AtHalfRateMicros(half.latency().p99Micros());
        }
        if (!half.held()) {
            row.note("half rate " + half.brief());
        }
    }

    /**
     * The rate acknowledged in the highest held step whose p99 stayed within {@code p99LimitMicros}, or 0 when none
     * did. A lower step over the bound (the first after the warm-up, say) does not cap it: the question is how much
     * load the broker carries within the bound.
     */
    static double highestWithin(List<Step> ladder, double p99LimitMicros) {
        Step highest = null;
        for (Step step : ladder) {
            if (step.held() && step.latency().p99Micros() <= p99LimitMicros && (highest == null || step.rate() > highest.rate())) {
                highest = step;
            }
        }
        return highest == null ? 0 : highest.achieved();
    }

    /**
     * Drives the fleet at one rate and judges the step. Each device publishes through the client's reactive API
     * (one stream of PUBLISHes per device, fed by the pacer): far less load-generator CPU per message than a future
     * per publish, which matters when the generator has a single core. The intended send time travels in the
     * payload, so each PUBACK's latency is measured from it.
     */
    private static final class HiveMqLoad implements StepLoad {
        private final RunningBroker broker;
        private final TelemetryBackend backend;
        /** Parsed once: validating a topic string per PUBLISH would cost the one-core generator dearly. */
        private final MqttTopic[] topics;
        private final List<UnicastProcessor<Mqtt3Publish>> streams = new ArrayList<>();
        private final Latencies latencies = new Latencies();
        private final AtomicLong completed = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicLong lastCompletionNanos = new AtomicLong();
        private long issuedTotal;

        private final MqttFleet fleet;

        static HiveMqLoad connect(RunningBroker broker, int devices, TelemetryBackend backend) throws Exception {
            MqttFleet fleet = MqttFleet.connect(Devices.ids(0, devices), deviceOptions(broker), 200, Duration.ofMinutes(5));
            return new HiveMqLoad(broker, fleet, backend);
        }

        HiveMqLoad(RunningBroker broker, MqttFleet fleet, TelemetryBackend backend) {
            this.fleet = fleet;
            this.broker = broker;
            this.backend = backend;
            this.topics = new MqttTopic[fleet.size()];
            for (int i = 0; i < topics.length; i++) {
                topics[i] = MqttTopic.of(broker.dialect().telemetryTopic(fleet.id(i)));
                UnicastProcessor<Mqtt3Publish> stream = UnicastProcessor.create();
                streams.add(stream);
                fleet.client(i).toRx().publish(stream).subscribe(this::acknowledged, e -> failed.incrementAndGet());
            }
        }

        private void acknowledged(Mqtt3PublishResult result) {
            long now = System.nanoTime();
            if (result.getError().isPresent()) {
                failed.incrementAndGet();
                return;
            }
            latencies.recordNanos(now - Payloads.sendNanos(result.getPublish().getPayload().orElseThrow()));
            completed.incrementAndGet();
            lastCompletionNanos.accumulateAndGet(now, Math::max);
        }

        @Override
        public void close() {
            streams.forEach(UnicastProcessor::onComplete);
            fleet.close();
        }

        @Override
        public Step step(int rate, Duration duration) throws Exception {
            latencies.reset();
            long completedBefore = completed.get();
            long failedBefore = failed.get();
            long issuedBefore = issuedTotal;
            CpuMeter cpu = CpuMeter.start(broker.processTree());
            CpuMeter generator = CpuMeter.self();
            long start = System.nanoTime();
            boolean[] overloaded = {false};
            long issued = OpenLoopPacer.run(rate, duration.toNanos(), (i, intended) -> {
                if (overloaded[0] || issuedTotal - completed.get() - failed.get() > MAX_OUTSTANDING) {
                    overloaded[0] = true;
                    return;
                }
                issuedTotal++;
                int device = (int) (i % topics.length);
                streams.get(device).onNext(Mqtt3Publish.builder().topic(topics[device]).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Payloads.make(LatencyFloor.PAYLOAD, intended, (int) i)).build());
            });
            long sent = issuedTotal - issuedBefore;
            boolean drained = Waits.until(() -> completed.get() + failed.get() >= issuedTotal, Duration.ofSeconds(60));
            long done = completed.get() - completedBefore;
            long errors = failed.get() - failedBefore;
            double seconds = Math.max(duration.toNanos(), lastCompletionNanos.get() - start) / 1e9;
            double achieved = done / seconds;
            Latencies.Summary l = latencies.takeSummary();
            double cpuPerMsg = done == 0 ? 0 : (double) cpu.cpuMicros() / done;
            double genCpu = generator.utilisation();
            String why = null;
            if (overloaded[0] || sent < issued) {
                why = "acknowledgements fell " + MAX_OUTSTANDING + " behind";
            } else if (!drained) {
                why = "acknowledgements still missing 60 s after the step";
            } else if (errors > 0) {
                why = errors + " publishes failed";
            } else if (l.p99Micros() > P99_LIMIT_MICROS) {
                why = "p99 over 50 ms";
            } else if (achieved < 0.95 * rate) {
                why = String.format("only %.0f/s acknowledged", achieved);
            } else if (backend != null && !backend.awaitReceived(issuedTotal, Duration.ofSeconds(30))) {
                why = "back end did not receive every acknowledged message";
            }
            return new Step(rate, achieved, l, errors, cpuPerMsg, genCpu, why == null, why);
        }
    }

    /** One way of driving the devices through the rate ladder. */
    interface StepLoad extends AutoCloseable {
        Step step(int rate, Duration duration) throws Exception;

        /** Runs the broker hot without leaving it a backlog that the first measured step would still be digesting. */
        default void warmUp(int rate, Duration duration) throws Exception {
            step(rate, duration);
        }

        /** What the row should say about how the connections were made, if anything. */
        default Optional<String> connectionNote() {
            return Optional.empty();
        }

        @Override
        void close() throws Exception;
    }

    /** The lean generator: pre-built frames on one event loop (see {@link RawMqttFleet}). */
    private static final class RawLoad implements StepLoad {
        private static final int MAX_OUTSTANDING_PER_DEVICE = 1_000;
        private static final int WARM_UP_OUTSTANDING_PER_DEVICE = 2;
        private final RunningBroker broker;
        private final RawMqttFleet fleet;
        private long issuedTotal;

        private RawLoad(RunningBroker broker, RawMqttFleet fleet) {
            this.broker = broker;
            this.fleet = fleet;
        }

        @Override
        public Optional<String> connectionNote() {
            return fleet.redialNote();
        }

        static RawLoad connect(RunningBroker broker, int devices) throws Exception {
            RawMqttFleet fleet = RawMqttFleet.telemetryFleet(broker, Devices.ids(0, devices), LatencyFloor.PAYLOAD,
                    MAX_OUTSTANDING_PER_DEVICE);
            if (broker.dialect().telemetryNeedsSubscriber()) {
                fleet.subscribe(RawMqttFleet.Options.of(broker), "bench-backend", "devices/+/messages/events/#", Duration.ofSeconds(30));
            }
            return new RawLoad(broker, fleet);
        }

        /**
         * At most {@value #WARM_UP_OUTSTANDING_PER_DEVICE} unacknowledged per device: a broker slower than the warm-up
         * rate is simply run at its own pace (the excess is not sent). Then the back end drains what it still gets
         * (until nothing arrives for two seconds, at most a minute: longer and idle devices would outlive their
         * keep-alive), and the back-end check of the measured steps counts from there, so what a peer dropped
         * while warming up is not held against its steps.
         */
        @Override
        public void warmUp(int rate, Duration duration) throws Exception {
            fleet.drive(rate, duration, Duration.ofSeconds(60), WARM_UP_OUTSTANDING_PER_DEVICE);
            if (broker.dialect().telemetryNeedsSubscriber()) {
                long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
                long seen = -1;
                while (fleet.received() != seen && System.nanoTime() < deadline) {
                    seen = fleet.received();
                    TimeUnit.SECONDS.sleep(2); // a quiet interval is what is being observed
                }
                issuedTotal = fleet.received();
            }
        }

        @Override
        public Step step(int rate, Duration duration) throws Exception {
            CpuMeter cpu = CpuMeter.start(broker.processTree());
            CpuMeter generator = CpuMeter.self();
            long start = System.nanoTime();
            RawMqttFleet.Result r = fleet.drive(rate, duration, Duration.ofSeconds(60));
            double seconds = Math.max(duration.toNanos(), System.nanoTime() - start) / 1e9;
            issuedTotal += r.issued() - r.stalled();
            double achieved = r.acknowledged() / (duration.toNanos() / 1e9);
            double cpuPerMsg = r.acknowledged() == 0 ? 0 : (double) cpu.cpuMicros() / r.acknowledged();
            double genCpu = generator.utilisation();
            String why = null;
            if (r.stalled() > 0) {
                why = r.stalled() + " messages not sent: " + MAX_OUTSTANDING_PER_DEVICE + " per device already unacknowledged";
            } else if (r.acknowledged() < r.issued()) {
                why = "acknowledgements still missing 60 s after the step";
            } else if (r.latency().p99Micros() > P99_LIMIT_MICROS) {
                why = "p99 over 50 ms";
            } else if (achieved < 0.95 * rate) {
                why = String.format("only %.0f/s acknowledged", achieved);
            } else if (broker.dialect().telemetryNeedsSubscriber()
                    && !Waits.until(() -> fleet.received() >= issuedTotal, Duration.ofSeconds(30))) {
                why = "back end did not receive every acknowledged message";
            }
            if (seconds > 2 * duration.toNanos() / 1e9) {
                achieved = r.acknowledged() / seconds;
            }
            return new Step(rate, achieved, r.latency(), 0, cpuPerMsg, genCpu, why == null, why);
        }

        @Override
        public void close() {
            fleet.close();
        }
    }
}
