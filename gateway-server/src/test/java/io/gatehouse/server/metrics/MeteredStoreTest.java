package io.gatehouse.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.store.StateStore;
import io.gatehouse.core.testing.ManualStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The metered store is a pass-through: every operation of the state store reaches the store it wraps, those with
 * a default in the interface too (a forgotten one silently turns a cluster node's behaviour into a lone node's).
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
    void aCatchUpWaitsForTheWrappedStore() {
        ManualStore store = new ManualStore(4);
        store.shareWithOtherNodes();
        CompletableFuture<Void> caughtUp = MeteredStore.wrap(store, new SimpleMeterRegistry()).state().catchUp().orElseThrow();

        assertThat(caughtUp).isNotDone();
        store.completeCatchUps();
        assertThat(caughtUp).isCompleted();
    }
}
