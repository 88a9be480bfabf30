package io.gatehouse.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.session.DeviceConnections;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The core's figures as meters, read when scraped. */
class CoreMetricsTest {

    private final GatewayCore core = GatewayCore.builder().store(new InMemoryStore(4)).shards(1).start();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @AfterEach
    void close() {
        core.close();
    }

    @Test
    void lifecycleCountersKeepCountingAfterAGarbageCollection() {
        CoreMetrics.bind(core, registry);
        DeviceId device = core.registry().create(DeviceId.of("m1")).join().id();
        // function meters hold their object weakly: a collected one would freeze the counter at its last value
        System.gc();
        System.gc();

        core.c2d().send(device, new C2dRequest(MessageProperties.EMPTY, AckMode.NONE, null, new byte[] {1})).join();

        assertThat(registry.get("gatehouse.c2d.enqueued").functionCounter().count()).isEqualTo(1.0);
        assertThat(registry.scrape()).contains("gatehouse_c2d_enqueued_total 1.0");
    }

    @Test
    void connectedDevicesByProtocol() {
        CoreMetrics.bind(core, registry);
        core.registry().create(DeviceId.of("m2")).join();
        core.connections().register(DeviceId.of("m2"), new DeviceConnections.Connection() {
            @Override
            public String protocol() {
                return "MQTT";
            }

            @Override
            public void close(String reason) {
            }
        });

        assertThat(registry.get("gatehouse.connections.protocol").tag("protocol", "mqtt").gauge().value()).isEqualTo(1.0);
        assertThat(registry.get("gatehouse.connections.protocol").tag("protocol", "amqp").gauge().value()).isZero();
    }
}
