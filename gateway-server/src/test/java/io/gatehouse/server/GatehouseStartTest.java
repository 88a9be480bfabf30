package io.gatehouse.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.SymmetricKeys;
import io.gatehouse.core.store.StoreException;
import io.gatehouse.server.config.DeviceDeclaration;
import io.gatehouse.server.config.GatehouseConfig;
import io.gatehouse.server.config.InvalidConfigException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting a gateway: its listeners, what happens when a port cannot be had, and the development keys. */
class GatehouseStartTest {

    @TempDir
    Path dataDir;

    private Map<String, String> ephemeral(String... overrides) {
        Map<String, String> p = new HashMap<>(Map.of("dataDir", dataDir.toString(), "bindAddress", "127.0.0.1",
                "mqtt.port", "0", "mqtt.plainPort", "0", "amqp.port", "0", "amqp.plainPort", "0", "https.port", "0",
                "health.port", "0"));
        for (int i = 0; i < overrides.length; i += 2) {
            p.put(overrides[i], overrides[i + 1]);
        }
        return p;
    }

    @Test
    void aPortInUseIsOneLineNamingThePortItsPropertyAndTheRemedy() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            GatehouseConfig config = GatehouseConfig.of(ephemeral("mqtt.port", Integer.toString(port)));
            assertThatThrownBy(() -> Gatehouse.start(config))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot listen for mqtt on 127.0.0.1:" + port + ": address already in use")
                    .hasMessageContaining("set mqtt.port")
                    .hasMessageNotContaining("\n");
        }
        // the failed start released the data directory and every listener it had bound
        try (Gatehouse again = Gatehouse.start(GatehouseConfig.of(ephemeral()))) {
            assertThat(again.port("mqtt")).isPresent();
        }
    }

    @Test
    void aClusterStoreThatCannotBeReachedIsOneLineNamingWhere() throws Exception {
        int closedPort;
        try (ServerSocket free = new ServerSocket(0)) {
            closedPort = free.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/gatehouse";
        GatehouseConfig config = GatehouseConfig.of(ephemeral("store.type", "cluster",
                "cluster.kafka.bootstrapServers", "127.0.0.1:" + closedPort, "cluster.jdbc.url", url));
        assertThatThrownBy(() -> Gatehouse.start(config))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot use PostgreSQL at " + url + ": ")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aClusterStoreNeedsBothAddresses() {
        assertThatThrownBy(() -> GatehouseConfig.of(ephemeral("store.type", "cluster",
                "cluster.kafka.bootstrapServers", "127.0.0.1:9092")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("cluster.jdbc.url");
    }

    @Test
    void theHealthPortServesHealthAndMetricsInPlainHttpAndNothingThatNeedsAToken() throws Exception {
        try (Gatehouse gatehouse = Gatehouse.start(GatehouseConfig.of(ephemeral()))) {
            int port = gatehouse.port("health").orElseThrow();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"UP\"");
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("gatehouse_devices");
            HttpResponse<String> statistics = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/gatehouse/statistics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(statistics.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void wellKnownKeysReplaceThePolicyKeysAndAreGivenToDevicesCreatedWithoutKeys() throws Exception {
        String randomOwnerKey;
        try (Gatehouse first = Gatehouse.start(GatehouseConfig.of(ephemeral()))) {
            randomOwnerKey = first.core().policies().get("iothubowner").orElseThrow().keys().primaryKey();
            assertThat(randomOwnerKey).isNotEqualTo(WellKnownKeys.POLICY.primaryKey());
        }
        SymmetricKeys own = SymmetricKeys.generate();
        GatehouseConfig config = GatehouseConfig.fromProperties(ephemeral("development.wellKnownKeys", "true"),
                List.of(new DeviceDeclaration("declared", null, null, null), new DeviceDeclaration("own", own.primaryKey(), own.secondaryKey(), null)));
        try (Gatehouse dev = Gatehouse.start(config)) {
            for (String policy : List.of("iothubowner", "service", "device", "registryRead", "registryReadWrite")) {
                assertThat(dev.core().policies().get(policy).orElseThrow().keys()).as(policy).isEqualTo(WellKnownKeys.POLICY);
            }
            assertThat(dev.serviceConnectionString()).endsWith("SharedAccessKey=" + WellKnownKeys.POLICY.primaryKey());
            assertThat(dev.core().registry().get(DeviceId.of("declared")).orElseThrow().keys()).isEqualTo(WellKnownKeys.DEVICE);
            assertThat(dev.core().registry().get(DeviceId.of("own")).orElseThrow().keys()).isEqualTo(own);
            assertThat(dev.core().registry().create(DeviceId.of("created")).join().keys()).isEqualTo(WellKnownKeys.DEVICE);
            // applied once at start, then not kept: a large declared fleet would otherwise stay in memory twice
            assertThat(dev.config().devices()).isEmpty();
            assertThat(dev.config().withoutDevices()).isEqualTo(config.withoutDevices());
        }
        try (Gatehouse plain = Gatehouse.start(GatehouseConfig.of(ephemeral()))) {
            // the option changes keys at start; without it, what is stored stays
            assertThat(plain.core().policies().get("iothubowner").orElseThrow().keys()).isEqualTo(WellKnownKeys.POLICY);
        }
    }
}
