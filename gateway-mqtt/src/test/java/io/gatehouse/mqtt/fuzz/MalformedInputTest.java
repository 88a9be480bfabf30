package io.gatehouse.mqtt.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.testing.LogCapture;
import io.gatehouse.mqtt.MqttOptions;
import io.gatehouse.mqtt.support.MqttTestServer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random and truncated MQTT against a live listener never crashes it nor leaks connections or buffers
 * (docs/architecture.md#durability-discipline). Bounded: 400 cases or 20 seconds, whichever comes first; the {@link MqttFuzzer} command runs longer.
 */
class MalformedInputTest {

    @Test
    void malformedInputIsRefusedAndTheListenerKeepsServing() {
        try (LogCapture leaks = new LogCapture("io.netty.util.ResourceLeakDetector");
             MqttTestServer server = MqttTestServer.builder()
                     .options(MqttOptions.builder().connectTimeout(Duration.ofSeconds(2)).build()).start()) {
            server.createDevice("fuzz");
            MqttFuzz fuzz = new MqttFuzz(server.port(), "fuzz", MqttTestServer.userName("fuzz"), server.token("fuzz"));
            long seed = System.nanoTime();
            Random random = new Random(seed);
            Map<MqttFuzz.Kind, Integer> counts = new EnumMap<>(MqttFuzz.Kind.class);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            for (int i = 0; i < 400 && System.nanoTime() < deadline; i++) {
                counts.merge(fuzz.runOne(random), 1, Integer::sum);
            }
            assertThat(counts).as("seed %d", seed).isNotEmpty();
            FuzzCheck.check(server, leaks);
        }
    }
}
