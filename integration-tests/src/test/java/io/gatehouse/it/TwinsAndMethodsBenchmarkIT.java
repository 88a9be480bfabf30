package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded benchmark, not a test: round trips of a desired-property patch (service PATCH over HTTPS → the device's
 * MQTT client receives the patch) and of a direct method (service POST → device → answer → service), one at a time,
 * against the packaged gateway with 1 and with 1,000 devices connected over plain MQTT (HiveMQ client). Prints
 * p50/p99/max per case. Skipped unless asked for:
 *
 * <pre>
 * ./mvnw -B -o verify -pl integration-tests -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=TwinsAndMethodsBenchmarkIT -Dgatehouse.bench=true
 * </pre>
 */
@EnabledIfSystemProperty(named = "gatehouse.bench", matches = "true")
class TwinsAndMethodsBenchmarkIT {

    private static final String KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final int WARM_UP = 50;
    private static final int SAMPLES = 1000;

    @TempDir
    Path dir;

    @Test
    void roundTrips() throws Exception {
        for (int devices : new int[] {1, 1000}) {
            run(devices);
        }
    }

    private void run(int deviceCount) throws Exception {
        String ids = IntStream.range(0, deviceCount).mapToObj(i -> "{id: bench-" + i + ", primaryKey: " + KEY + "}")
                .collect(Collectors.joining(", "));
        String config = """
                bindAddress: 127.0.0.1
                mqtt: {port: 0, plainPort: 0}
                amqp: {port: 0, plainPort: 0}
                https: {port: 0}
                health: {port: 0}
                devices: [%s]
                """.formatted(ids);
        try (GatewayProcess gateway = GatewayProcess.configured(dir.resolve("data-" + deviceCount), config)) {
            gateway.start();
            RestClient rest = new RestClient(gateway);
            Map<String, CompletableFuture<Long>> desiredArrivals = new ConcurrentHashMap<>();
            List<Mqtt3AsyncClient> clients = new ArrayList<>();
            for (int i = 0; i < deviceCount; i++) {
                clients.add(connect(gateway, "bench-" + i, desiredArrivals));
            }
            long[] twin = new long[SAMPLES];
            long[] method = new long[SAMPLES];
            for (int n = -WARM_UP; n < SAMPLES; n++) {
                String device = "bench-" + Math.floorMod(n, deviceCount);
                CompletableFuture<Long> arrival = new CompletableFuture<>();
                desiredArrivals.put(device, arrival);
                long start = System.nanoTime();
                HttpResponse<String> patched = rest.send("PATCH", "/twins/" + device,
                        "{\"properties\":{\"desired\":{\"n\":" + n + "}}}");
                assertThat(patched.statusCode()).isEqualTo(200);
                long twinNanos = arrival.get(30, TimeUnit.SECONDS) - start;

                start = System.nanoTime();
                HttpResponse<String> invoked = rest.send("POST", "/twins/" + device + "/methods",
                        "{\"methodName\":\"ping\",\"payload\":" + n + ",\"responseTimeoutInSeconds\":30}");
                long methodNanos = System.nanoTime() - start;
                assertThat(invoked.statusCode()).as(invoked.body()).isEqualTo(200);
                if (n >= 0) {
                    twin[n] = twinNanos;
                    method[n] = methodNanos;
                }
            }
            System.out.printf("BENCH devices=%d samples=%d twin-patch-round-trip %s | method-round-trip %s%n",
                    deviceCount, SAMPLES, summary(twin), summary(method));
            for (Mqtt3AsyncClient client : clients) {
                client.disconnect();
            }
        }
    }

    /** A device that records when each desired patch arrives and answers every method at once with 200. */
    private static Mqtt3AsyncClient connect(GatewayProcess gateway, String id, Map<String, CompletableFuture<Long>> arrivals)
            throws Exception {
        Mqtt3AsyncClient client = MqttDevices.client(gateway, id, KEY);
        client.connectWith().cleanSession(true).send().get(30, TimeUnit.SECONDS);
        client.subscribeWith().topicFilter("$iothub/twin/PATCH/properties/desired/#").qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> {
                    CompletableFuture<Long> arrival = arrivals.remove(id);
                    if (arrival != null) {
                        arrival.complete(System.nanoTime());
                    }
                }).send().get(30, TimeUnit.SECONDS);
        client.subscribeWith().topicFilter("$iothub/methods/POST/#").qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> {
                    String topic = publish.getTopic().toString();
                    String rid = topic.substring(topic.indexOf("$rid=") + 5);
                    client.publishWith().topic("$iothub/methods/res/200/?$rid=" + rid).qos(MqttQos.AT_MOST_ONCE)
                            .payload("{\"pong\":true}".getBytes(StandardCharsets.UTF_8)).send();
                }).send().get(30, TimeUnit.SECONDS);
        return client;
    }

    private static String summary(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format("p50 %.2f ms, p99 %.2f ms, max %.2f ms", sorted[sorted.length / 2] / 1e6,
                sorted[(int) Math.ceil(sorted.length * 0.99) - 1] / 1e6, sorted[sorted.length - 1] / 1e6);
    }
}
