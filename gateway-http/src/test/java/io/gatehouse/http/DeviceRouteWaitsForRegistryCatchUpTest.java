package io.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.DeviceStatus;
import io.gatehouse.core.registry.SymmetricKeys;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A device route on a node sharing its registry: a device's refused token is answered only once the node caught up. */
class DeviceRouteWaitsForRegistryCatchUpTest {

    private static final DeviceId LATE = DeviceId.of("late");
    private static final String TELEMETRY = "/devices/late/messages/events?api-version=2020-09-30";

    @TempDir
    Path tempDir;

    private RestFixture rest;
    private final SymmetricKeys keys = SymmetricKeys.generate();
    private CompletableFuture<HttpResponse<String>> response;

    @BeforeEach
    void postTelemetryOfADeviceNotKnownHereYet() throws Exception {
        rest = new RestFixture(tempDir);
        rest.store.shareWithOtherNodes();
        String token = SasTokens.deviceToken("localhost", LATE.value(), keys.primaryKey(), Instant.now().plusSeconds(3600));
        response = rest.sendWithToken("POST", TELEMETRY, token, "21.5", "Content-Type", "binary/octet-stream");

        await().atMost(Duration.ofSeconds(10)).until(() -> rest.store.pendingCatchUps() == 1);
        assertThat(response).as("no response while the catch-up waits").isNotDone();
    }

    @AfterEach
    void stop() {
        rest.close();
    }

    @Test
    void aDeviceCreatedOnAnotherNodeIsServedOnceCaughtUp() throws Exception {
        rest.core.registry().create(LATE, DeviceStatus.ENABLED, null, keys).get(5, TimeUnit.SECONDS); // what the catch-up brings
        assertThat(response).as("no response before the catch-up completes").isNotDone();

        rest.store.completeCatchUps();

        assertThat(response.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(204);
        assertThat(rest.core.events().appendedCount()).isEqualTo(1);
    }

    @Test
    void aDeviceNoNodeKnowsGets401OnceCaughtUp() throws Exception {
        rest.store.completeCatchUps();

        HttpResponse<String> refused = response.get(10, TimeUnit.SECONDS);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(RestFixture.json(refused).get("Message").asText())
                .startsWith("ErrorCode:IotHubUnauthorizedAccess;").contains("unknown device late");
        assertThat(rest.core.events().appendedCount()).isZero();
        assertThat(rest.store.pendingCatchUps()).isZero();
    }
}
