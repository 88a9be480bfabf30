package io.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.cluster.testing.ClusterEngines;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.WriteBatch;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Claims asked at once go together ({@link DeviceClaims}): a storm of them takes every device over with its queue
 * rows and tells the node that had them, and two nodes claiming the same devices at once never deadlock. The queues
 * of a node that left are taken over together too.
 */
@ExtendWith(ClusterEngines.class)
class DeviceClaimsTest {

    private static final int DEVICES = 1200; // more than one transaction's worth
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final EmbeddedPostgres postgres;

    DeviceClaimsTest(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    @Test
    void aStormOfClaimsTakesEveryDeviceWithItsQueueAndTellsTheNodeThatHadIt() throws Exception {
        PostgresSettings shared = ClusterTesting.newSchema(postgres, "node-a");
        try (PostgresStateStore nodeA = PostgresStateStore.open(shared);
             PostgresStateStore nodeB = PostgresStateStore.open(withClient(shared, "node-b"))) {
            Set<DeviceId> releasedOnA = ConcurrentHashMap.newKeySet();
            nodeA.ownership().listen(ClusterTesting.releasesInto(releasedOnA));
            nodeB.ownership().listen(ClusterTesting.releasesInto(ConcurrentHashMap.newKeySet()));
            List<DeviceId> devices = IntStream.range(0, DEVICES).mapToObj(i -> DeviceId.of("device-" + i)).toList();
            allOf(devices.stream().map(nodeA.ownership()::claim).toList());
            for (int i = 0; i < DEVICES; i += 3) { // every third device has a message queued on A
                nodeA.write(WriteBatch.put(message(devices.get(i)), body(i))).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }

            List<CompletableFuture<Map<StateKey, byte[]>>> storm = devices.stream().map(nodeB.ownership()::claim).toList();
            allOf(storm);

            for (int i = 0; i < DEVICES; i++) {
                Map<StateKey, byte[]> entries = storm.get(i).join();
                if (i % 3 == 0) {
                    assertThat(entries).containsOnlyKeys(message(devices.get(i)));
                    assertThat(new String(entries.get(message(devices.get(i))), StandardCharsets.UTF_8)).isEqualTo("m" + i);
                } else {
                    assertThat(entries).as("device-%d", i).isEmpty();
                }
            }
            await().atMost(WAIT).until(() -> releasedOnA.size() == DEVICES);
            Map<String, String> owners = owners(shared);
            assertThat(owners).hasSize(DEVICES);
            assertThat(Set.copyOf(owners.values())).containsExactly(nodeB.ownership().recordTag());
            // the store of A refuses its writes to the devices it lost (fencing)
            assertThat(nodeA.write(WriteBatch.put(message(devices.get(0)), body(-1))))
                    .failsWithin(WAIT).withThrowableThat().withMessageContaining("owned by another node");
        }
    }

    @Test
    void twoNodesClaimingTheSameDevicesAtOnceBothFinishAndEachDeviceHasOneOwner() throws Exception {
        PostgresSettings shared = ClusterTesting.newSchema(postgres, "node-a");
        try (PostgresStateStore nodeA = PostgresStateStore.open(shared);
             PostgresStateStore nodeB = PostgresStateStore.open(withClient(shared, "node-b"))) {
            nodeA.ownership().listen(ClusterTesting.releasesInto(ConcurrentHashMap.newKeySet()));
            nodeB.ownership().listen(ClusterTesting.releasesInto(ConcurrentHashMap.newKeySet()));
            List<CompletableFuture<Map<StateKey, byte[]>>> claims = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                // the two nodes ask in opposite orders: their transactions overlap in every way
                claims.add(nodeA.ownership().claim(DeviceId.of("device-" + i)));
                claims.add(nodeB.ownership().claim(DeviceId.of("device-" + (DEVICES - 1 - i))));
            }

            allOf(claims);

            assertThat(owners(shared)).hasSize(DEVICES).allSatisfy((device, owner) -> assertThat(owner)
                    .isIn(nodeA.ownership().recordTag(), nodeB.ownership().recordTag()));
        }
    }

    @Test
    void theQueuesOfANodeThatLeftAreTakenOverTogetherAndAFullScanIsFollowedAtOnce() throws Exception {
        PostgresSettings shared = ClusterTesting.newSchema(postgres, "node-a");
        Map<DeviceId, Map<StateKey, byte[]>> adoptedByB = new ConcurrentHashMap<>();
        try (PostgresStateStore nodeB = PostgresStateStore.open(withClient(shared, "node-b"))) {
            nodeB.ownership().listen(ClusterTesting.recording(ConcurrentHashMap.newKeySet(), adoptedByB));
            List<DeviceId> devices = IntStream.range(0, DEVICES).mapToObj(i -> DeviceId.of("device-" + i)).toList();
            try (PostgresStateStore nodeA = PostgresStateStore.open(shared)) {
                nodeA.ownership().listen(ClusterTesting.releasesInto(ConcurrentHashMap.newKeySet()));
                allOf(devices.stream().map(nodeA.ownership()::claim).toList());
                List<CompletableFuture<Void>> writes = new ArrayList<>();
                for (int i = 0; i < DEVICES; i++) {
                    writes.add(nodeA.write(WriteBatch.put(message(devices.get(i)), body(i))));
                }
                CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } // A leaves: its owner rows go, its queued messages stay

            // more queues than one scan takes: the first scan is full, and the next follows without waiting its turn
            await().atMost(WAIT).until(() -> adoptedByB.size() >= PostgresOwnership.TAKEOVER_BATCH);
            long firstScanDone = System.nanoTime();
            await().atMost(WAIT).until(() -> adoptedByB.size() == DEVICES);
            assertThat(Duration.ofNanos(System.nanoTime() - firstScanDone))
                    .isLessThan(Duration.ofMillis(PostgresOwnership.TAKEOVER_MILLIS / 2)); // the next periodic scan: 5 s
            for (int i = 0; i < DEVICES; i++) {
                assertThat(adoptedByB.get(devices.get(i))).containsOnlyKeys(message(devices.get(i)));
            }
        }
    }

    private static void allOf(List<CompletableFuture<Map<StateKey, byte[]>>> claims) throws Exception {
        CompletableFuture.allOf(claims.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static PostgresSettings withClient(PostgresSettings settings, String clientId) {
        return new PostgresSettings(settings.url(), settings.user(), settings.password(), clientId);
    }

    private static StateKey message(DeviceId device) {
        return StateKey.of(RecordKind.C2D_MESSAGE, device.value(), 1);
    }

    private static byte[] body(int i) {
        return ("m" + i).getBytes(StandardCharsets.UTF_8);
    }

    /** Every device's owner row: device → origin. */
    private static Map<String, String> owners(PostgresSettings settings) throws Exception {
        Map<String, String> owners = new HashMap<>();
        try (Connection c = settings.connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT device, origin FROM gatehouse_owner")) {
            while (rows.next()) {
                owners.put(rows.getString(1), rows.getString(2));
            }
        }
        return owners;
    }
}
