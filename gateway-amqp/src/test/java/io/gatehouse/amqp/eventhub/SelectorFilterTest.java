package io.gatehouse.amqp.eventhub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.events.StartPosition;
import io.gatehouse.core.model.GatewayException;
import java.time.Instant;
import java.util.Map;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.UnknownDescribedType;
import org.apache.qpid.proton.amqp.UnsignedLong;
import org.apache.qpid.proton.amqp.messaging.Source;
import org.junit.jupiter.api.Test;

class SelectorFilterTest {

    @Test
    void theEventHubsClientExpressions() {
        assertThat(SelectorFilter.parse("amqp.annotation.x-opt-offset > '-1'")).isEqualTo(StartPosition.earliest());
        assertThat(SelectorFilter.parse("amqp.annotation.x-opt-offset > '@latest'")).isEqualTo(StartPosition.latest());
        assertThat(SelectorFilter.parse("amqp.annotation.x-opt-offset > '120'"))
                .isEqualTo(new StartPosition.FromOffset(120, false));
        assertThat(SelectorFilter.parse("amqp.annotation.x-opt-offset >= '120'"))
                .isEqualTo(new StartPosition.FromOffset(120, true));
        assertThat(SelectorFilter.parse("amqp.annotation.x-opt-sequence-number > '7'"))
                .isEqualTo(new StartPosition.FromSequenceNumber(7, false));
        assertThat(SelectorFilter.parse("amqp.annotation.x-opt-sequence-number = 7"))
                .isEqualTo(new StartPosition.FromSequenceNumber(7, true));
        assertThat(SelectorFilter.parse("amqp.annotation.x-opt-enqueued-time > '1700000000000'"))
                .isEqualTo(new StartPosition.FromEnqueuedTime(Instant.ofEpochMilli(1_700_000_000_000L), false));
        assertThat(SelectorFilter.parse("amqp.annotation.x-opt-enqueuedtimeutc > '1700000000000'"))
                .isEqualTo(new StartPosition.FromEnqueuedTime(Instant.ofEpochMilli(1_700_000_000_000L), false));
    }

    @Test
    void unknownExpressionsAreRefused() {
        assertThatThrownBy(() -> SelectorFilter.parse("color = 'red'")).isInstanceOf(GatewayException.class);
        assertThatThrownBy(() -> SelectorFilter.parse("amqp.annotation.x-opt-offset > 'abc'"))
                .isInstanceOf(GatewayException.class);
    }

    @Test
    void readsTheFilterFromTheSourceByNameOrDescriptor() {
        Source source = new Source();
        assertThat(SelectorFilter.startPosition(source)).isEqualTo(StartPosition.earliest());
        source.setFilter(Map.of(Symbol.valueOf("apache.org:selector-filter:string"),
                new UnknownDescribedType(Symbol.valueOf("apache.org:selector-filter:string"), "amqp.annotation.x-opt-offset > '5'")));
        assertThat(SelectorFilter.startPosition(source)).isEqualTo(new StartPosition.FromOffset(5, false));
        source.setFilter(Map.of(Symbol.valueOf("some-name"),
                new UnknownDescribedType(UnsignedLong.valueOf(0x0000468C00000004L), "amqp.annotation.x-opt-offset > '6'")));
        assertThat(SelectorFilter.startPosition(source)).isEqualTo(new StartPosition.FromOffset(6, false));
    }
}
