package io.gatehouse.server.metrics;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.queue.LifecycleCounters;
import io.gatehouse.core.queue.Outcome;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Publishes the core's figures as Micrometer meters: connections, queue depths, message rates (as counters)
 * and lifecycle outcomes. Meters read the core when scraped; nothing is counted twice.
 */
public final class CoreMetrics {

    /** The device protocols the gateway serves; each has a gauge from start-up, so charts see zeros, not gaps. */
    private static final List<String> DEVICE_PROTOCOLS = List.of("mqtt", "amqp");

    private CoreMetrics() {
    }

    public static void bind(GatewayCore core, MeterRegistry registry) {
        Gauge.builder("gatehouse.devices", core, c -> c.registry().size())
                .description("registered devices").register(registry);
        Gauge.builder("gatehouse.connections", core, c -> c.connections().connectedCount())
                .description("connected devices, all protocols").register(registry);
        for (String protocol : DEVICE_PROTOCOLS) {
            Gauge.builder("gatehouse.connections.protocol", core, c -> c.connections().connectedCount(protocol))
                    .tag("protocol", protocol).description("connected devices by protocol").register(registry);
        }
        Gauge.builder("gatehouse.c2d.queued", core, c -> c.c2d().totalDepth())
                .description("C2D messages enqueued or locked").register(registry);
        Gauge.builder("gatehouse.feedback.queued", core, c -> c.feedback().depth())
                .description("feedback messages enqueued or locked").register(registry);
        FunctionCounter.builder("gatehouse.d2c.appended", core, c -> c.events().appendedCount())
                .description("D2C events stored").register(registry);
        FunctionCounter.builder("gatehouse.d2c.refused", core, c -> c.events().refusedCount())
                .description("D2C events refused").register(registry);
        if (!core.c2d().owners().ownsEveryDevice()) {
            Gauge.builder("gatehouse.cluster.nodes", core, c -> c.clusterMembers().stream().filter(m -> m.alive()).count())
                    .description("gateway nodes sharing the store with a recent heartbeat, this one included").register(registry);
            Gauge.builder("gatehouse.cluster.devices.owned", core, c -> c.c2d().owners().ownedCount())
                    .description("devices whose queue and calls this node owns").register(registry);
        }
        lifecycle(core, registry, "c2d", c -> c.c2d().counters().snapshot());
        lifecycle(core, registry, "feedback", c -> c.feedback().counters().snapshot());
    }

    /**
     * Every meter reads the core itself: Micrometer holds a function meter's object weakly, so an object only the
     * meter refers to (a lambda) would be collected and the counter frozen at its last value.
     */
    private static void lifecycle(GatewayCore core, MeterRegistry registry, String queue,
                                  Function<GatewayCore, LifecycleCounters.Snapshot> snapshot) {
        counter(core, registry, queue, "enqueued", snapshot, LifecycleCounters.Snapshot::enqueued);
        counter(core, registry, queue, "refused", snapshot, LifecycleCounters.Snapshot::refused);
        counter(core, registry, queue, "delivered", snapshot, LifecycleCounters.Snapshot::delivered);
        counter(core, registry, queue, "abandoned", snapshot, LifecycleCounters.Snapshot::abandoned);
        counter(core, registry, queue, "lock.timeouts", snapshot, LifecycleCounters.Snapshot::lockTimeouts);
        for (Outcome outcome : Outcome.values()) {
            FunctionCounter.builder("gatehouse." + queue + ".ended", core, c -> snapshot.apply(c).ended(outcome))
                    .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                    .description(queue + " messages that left their queue, by outcome")
                    .register(registry);
        }
    }

    private static void counter(GatewayCore core, MeterRegistry registry, String queue, String name,
                                Function<GatewayCore, LifecycleCounters.Snapshot> snapshot,
                                ToDoubleFunction<LifecycleCounters.Snapshot> value) {
        FunctionCounter.builder("gatehouse." + queue + "." + name, core, c -> value.applyAsDouble(snapshot.apply(c)))
                .register(registry);
    }
}
