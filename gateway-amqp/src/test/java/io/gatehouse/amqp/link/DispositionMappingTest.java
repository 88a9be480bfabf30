package io.gatehouse.amqp.link;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.qpid.proton.amqp.messaging.Accepted;
import org.apache.qpid.proton.amqp.messaging.Modified;
import org.apache.qpid.proton.amqp.messaging.Received;
import org.apache.qpid.proton.amqp.messaging.Rejected;
import org.apache.qpid.proton.amqp.messaging.Released;
import org.junit.jupiter.api.Test;

/** docs/messaging.md#the-lifecycle: the AMQP outcome of a device (or feedback receiver) as a queue operation. */
class DispositionMappingTest {

    private static Modified modified(Boolean failed, Boolean undeliverableHere) {
        Modified m = new Modified();
        m.setDeliveryFailed(failed);
        m.setUndeliverableHere(undeliverableHere);
        return m;
    }

    @Test
    void eachOutcome() {
        assertThat(DispositionMapping.of(Accepted.getInstance(), true)).isEqualTo(DispositionMapping.COMPLETE);
        assertThat(DispositionMapping.of(new Rejected(), true)).isEqualTo(DispositionMapping.REJECT);
        assertThat(DispositionMapping.of(Released.getInstance(), true)).isEqualTo(DispositionMapping.ABANDON);
        assertThat(DispositionMapping.of(modified(true, null), true)).isEqualTo(DispositionMapping.ABANDON);
        assertThat(DispositionMapping.of(modified(true, false), true)).isEqualTo(DispositionMapping.ABANDON);
        assertThat(DispositionMapping.of(modified(false, true), true)).isEqualTo(DispositionMapping.REJECT);
    }

    @Test
    void noOutcomeYetOrSettledWithoutOne() {
        assertThat(DispositionMapping.of(null, false)).isEqualTo(DispositionMapping.NONE);
        assertThat(DispositionMapping.of(new Received(), false)).isEqualTo(DispositionMapping.NONE);
        assertThat(DispositionMapping.of(null, true)).isEqualTo(DispositionMapping.ABANDON);
        // an outcome counts even before the peer settles (receiver settle mode first, but a lenient peer)
        assertThat(DispositionMapping.of(Accepted.getInstance(), false)).isEqualTo(DispositionMapping.COMPLETE);
    }
}
