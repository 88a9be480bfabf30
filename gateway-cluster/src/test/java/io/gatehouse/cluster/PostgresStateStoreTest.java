package io.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gatehouse.cluster.testing.ClusterEngines;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StoreException;
import io.gatehouse.core.store.WriteBatch;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the PostgreSQL state store adds to the store contract: closing, failed commits, the schema's version,
 * catching up with other nodes' registry changes.
 */
@ExtendWith(ClusterEngines.class)
class PostgresStateStoreTest {

    private final EmbeddedPostgres postgres;

    PostgresStateStoreTest(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    @Test
    void everyWriteAcceptedBeforeCloseIsCommitted() throws Exception {
        PostgresSettings settings = ClusterTesting.newSchema(postgres, "closing-node");
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        try (PostgresStateStore store = PostgresStateStore.open(settings)) {
            for (int i = 0; i < 2000; i++) {
                writes.add(store.write(WriteBatch.put(key(i), value(i))));
            }
        }
        assertThat(writes).allSatisfy(write -> assertThat(write).isCompleted().isNotCompletedExceptionally());
        try (PostgresStateStore reopened = PostgresStateStore.open(settings)) {
            assertThat(live(reopened)).hasSize(2000).containsEntry(key(1999), "v1999");
        }
    }

    @Test
    void aCatchUpCompletesOnlyOnceEveryRegistryChangeAnotherNodeCommittedBeforeItWasHandedOver() throws Exception {
        PostgresSettings a = ClusterTesting.newSchema(postgres, "writing-node");
        PostgresSettings b = new PostgresSettings(a.url(), a.user(), a.password(), "catching-up-node");
        Set<StateKey> heard = ConcurrentHashMap.newKeySet();
        try (PostgresStateStore writer = PostgresStateStore.open(a); PostgresStateStore reader = PostgresStateStore.open(b)) {
            reader.onChangedElsewhere((key, value) -> heard.add(key));
            for (int i = 0; i < 200; i++) {
                StateKey device = StateKey.of(RecordKind.DEVICE, "device-" + i);
                writer.write(WriteBatch.put(device, value(i))).get(10, TimeUnit.SECONDS);

                reader.catchUp().orElseThrow().get(10, TimeUnit.SECONDS);

                assertThat(heard).as("heard after the catch-up that followed its commit").contains(device);
            }
            // many at once share the marks of few group commits, and each waits for its own
            List<CompletableFuture<Void>> many = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                many.add(reader.catchUp().orElseThrow());
            }
            CompletableFuture.allOf(many.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aLostConnectionFailsTheWritesOfItsCommitAndTheNextWriteReconnects() throws Exception {
        PostgresSettings settings = ClusterTesting.newSchema(postgres, "unlucky-node");
        try (PostgresStateStore store = PostgresStateStore.open(settings)) {
            store.write(WriteBatch.put(key(1), value(1))).get(10, TimeUnit.SECONDS);
            terminateConnectionsOf("unlucky-node");

            assertThatThrownBy(() -> store.write(WriteBatch.put(key(2), value(2))).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(StoreException.class);
            store.write(WriteBatch.put(key(3), value(3))).get(10, TimeUnit.SECONDS);

            assertThat(live(store)).containsOnlyKeys(key(1), key(3));
        }
    }

    @Test
    void whilePostgresIsDownWritesAreRefusedAsBusyAndTheStoreTakesThemAgainByItself() throws Exception {
        try (EmbeddedPostgres own = EmbeddedPostgres.start();
             PostgresStateStore store = PostgresStateStore.open(ClusterTesting.newSchema(own, "stranded-node"))) {
            store.write(WriteBatch.put(key(1), value(1))).get(10, TimeUnit.SECONDS);
            own.stop();

            assertThatThrownBy(() -> store.write(WriteBatch.put(key(2), value(2))).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(StoreException.class)
                    .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.SERVER_BUSY));
            assertThat(store.unavailability()).hasValueSatisfying(why -> assertThat(why).contains("unreachable"));
            // refused at once, not queued behind a connect timeout
            CompletableFuture<Void> refused = store.write(WriteBatch.put(key(3), value(3)));
            assertThat(refused).isCompletedExceptionally();

            own.restart();
            await().atMost(Duration.ofSeconds(20)).until(() -> store.unavailability().isEmpty());
            store.write(WriteBatch.put(key(4), value(4))).get(10, TimeUnit.SECONDS);
            assertThat(live(store)).containsOnlyKeys(key(1), key(4));
        }
    }

    @Test
    void nodesStartingTogetherCreateTheSchemaOnce() throws Exception {
        PostgresSettings settings = ClusterTesting.newSchema(postgres, "eager-node");
        ExecutorService starts = Executors.newFixedThreadPool(3);
        try {
            List<Future<PostgresStateStore>> opened = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                opened.add(starts.submit(() -> PostgresStateStore.open(settings)));
            }
            for (Future<PostgresStateStore> store : opened) {
                store.get(30, TimeUnit.SECONDS).close();
            }
        } finally {
            starts.shutdownNow();
        }
        assertThat(query(settings, "SELECT count(*) FROM gatehouse_schema")).isEqualTo(1);
        assertThat(query(settings, "SELECT version FROM gatehouse_schema")).isEqualTo(StateSchema.VERSION);
    }

    @Test
    void aSchemaWrittenByANewerGatehouseIsRefused() throws Exception {
        PostgresSettings settings = ClusterTesting.newSchema(postgres, "old-node");
        PostgresStateStore.open(settings).close();
        execute(settings, "UPDATE gatehouse_schema SET version = " + (StateSchema.VERSION + 1));

        assertThatThrownBy(() -> PostgresStateStore.open(settings)).isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot use PostgreSQL at " + settings.where())
                .hasMessageContaining("newer than this Gatehouse's");
    }

    private void terminateConnectionsOf(String applicationName) throws SQLException {
        try (Connection admin = DriverManager.getConnection(postgres.url(), EmbeddedPostgres.USER, "");
             Statement s = admin.createStatement();
             // the timeout makes the call wait until the backend is gone
             ResultSet rows = s.executeQuery("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity"
                     + " WHERE application_name = '" + applicationName + "'")) {
            assertThat(rows.next()).as("a connection of %s", applicationName).isTrue();
            assertThat(rows.getBoolean(1)).isTrue();
        }
    }

    private static long query(PostgresSettings settings, String sql) throws SQLException {
        try (Connection c = settings.connect(); Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static void execute(PostgresSettings settings, String sql) throws SQLException {
        try (Connection c = settings.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static Map<StateKey, String> live(PostgresStateStore store) {
        Map<StateKey, String> out = new HashMap<>();
        store.forEachLive((key, value) -> out.put(key, new String(value, StandardCharsets.UTF_8)));
        return out;
    }

    private static StateKey key(int i) {
        return StateKey.of(RecordKind.FEEDBACK_RECORD, "", i);
    }

    private static byte[] value(int i) {
        return ("v" + i).getBytes(StandardCharsets.UTF_8);
    }
}
