package io.gatehouse.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The appender's queue keeps the last operation it took; a control operation must not keep what its action held. */
class ControlOpTest {

    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void whatTheActionHeldIsFreeOnceItRan() {
        List<WeakReference<Object>> held = new ArrayList<>();
        ControlOp op = snapshotLike(held);

        op.run();

        assertThat(runs).hasValue(1);
        for (int i = 0; i < 10 && held.get(0).get() != null; i++) {
            System.gc();
        }
        assertThat(held.get(0).get()).as("the action's list, with the operation still referenced").isNull();
        assertThat(op).isNotNull();
    }

    /** An operation whose action holds a large list, as a snapshot does; only a weak reference to it escapes. */
    private ControlOp snapshotLike(List<WeakReference<Object>> held) {
        List<byte[]> live = new ArrayList<>();
        live.add(new byte[1 << 20]);
        held.add(new WeakReference<>(live));
        return new ControlOp(() -> runs.addAndGet(live.size()), false);
    }
}
