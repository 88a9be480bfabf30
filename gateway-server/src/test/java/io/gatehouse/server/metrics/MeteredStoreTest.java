package io.gatehouse.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.WriteBatch;
import io.gatehouse.core.testing.ManualStore;
import io.gatehouse.journal.JournalOptions;
import io.gatehouse.journal.JournalStore;
import io.gatehouse.journal.SyncPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metered store is a pass-through: every operation of the state store reaches the store it wraps, those with
 * a default in the interface too (a forgotten one silently turns a cluster node's behaviour into a lone node's).
 * Over the journal it also times every group-commit pass.
 */
class MeteredStoreTest {

    @Test
    void everyStateStoreOperationIsForwardedNotLeftToItsDefault() throws Exception {
        StateStore metered = MeteredStore.wrap(new ManualStore(4), new SimpleMeterRegistry()).state();
        for (Method operation : StateStore.class.getMethods()) {
            if (Modifier.isStatic(operation.getModifiers())) {
                continue;
            }
            Method implemented = metered.getClass().getMethod(operation.getName(), operation.getParameterTypes());
            assertThat(implemented.getDeclaringClass()).as("%s", operation.getName()).isEqualTo(metered.getClass());
        }
    }

    @Test
    void aJournalsPassesAreTimedForcesWaitsAndSizes(@TempDir Path dir) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Store store = MeteredStore.wrap(JournalStore.open(dir, JournalOptions.defaults(2).withSync(SyncPolicy.always())),
                registry)) {
            for (int i = 0; i < 3; i++) {
                store.state().write(WriteBatch.put(StateKey.of(RecordKind.DEVICE, "d" + i), new byte[] {1}))
                        .get(30, TimeUnit.SECONDS);
            }
        }

        assertThat(registry.get("gatehouse.store.sync").timer().count()).isGreaterThanOrEqualTo(1);
        assertThat(registry.get("gatehouse.store.pass.wait").timer().count()).isGreaterThanOrEqualTo(1);
        assertThat(registry.get("gatehouse.store.pass.wait").timer().totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(registry.get("gatehouse.store.pass.records").summary().totalAmount()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aCatchUpWaitsForTheWrappedStore() {
        ManualStore store = new ManualStore(4);
        store.shareWithOtherNodes();
        CompletableFuture<Void> caughtUp = MeteredStore.wrap(store, new SimpleMeterRegistry()).state().catchUp().orElseThrow();

        assertThat(caughtUp).isNotDone();
        store.completeCatchUps();
        assertThat(caughtUp).isCompleted();
    }
}
