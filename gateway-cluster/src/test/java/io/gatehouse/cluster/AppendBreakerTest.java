package io.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** When Kafka counts as unreachable, and when again as reachable, on a clock of our own. */
class AppendBreakerTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final AppendBreaker breaker = new AppendBreaker("kafka:9092", 0);

    @Test
    void appendsOutstandingWithoutAnAcknowledgementForTheStallTimeMakeKafkaUnreachable() {
        breaker.sent(10 * SECOND);
        assertThat(breaker.unavailability(10 * SECOND + AppendBreaker.STALL)).isNull();

        assertThat(breaker.unavailability(10 * SECOND + AppendBreaker.STALL + 1))
                .isEqualTo("Kafka at kafka:9092 has acknowledged no event for 5 s");
    }

    @Test
    void aLongQuietSpellIsNoStall() {
        // nothing outstanding: silence from Kafka means nothing
        assertThat(breaker.unavailability(3600 * SECOND)).isNull();
        // the wait starts with the first append after the quiet spell
        breaker.sent(3600 * SECOND);
        assertThat(breaker.unavailability(3601 * SECOND)).isNull();
    }

    @Test
    void steadyAcknowledgementsKeepItReachableWhateverIsOutstanding() {
        for (int s = 0; s < 20; s++) {
            breaker.sent(s * SECOND);
            breaker.sent(s * SECOND);
            breaker.acknowledged(s * SECOND + SECOND / 2);
        }
        assertThat(breaker.unavailability(20 * SECOND)).isNull();
    }

    @Test
    void aFailureForWantOfAClusterMakesItUnreachableAtOnceButOtherFailuresDoNot() {
        breaker.sent(0);
        breaker.failed(false, "record too large");
        assertThat(breaker.unavailability(SECOND)).isNull();

        breaker.sent(SECOND);
        breaker.failed(true, "Expiring 1 record(s)");
        assertThat(breaker.unavailability(SECOND)).isEqualTo("Kafka at kafka:9092 is unreachable: Expiring 1 record(s)");
    }

    @Test
    void aLateAcknowledgementOrAnAnswerToTheProbeMakesItReachableAgain() {
        breaker.sent(0);
        breaker.sent(0);
        assertThat(breaker.unavailability(AppendBreaker.STALL + 1)).isNotNull();
        breaker.acknowledged(AppendBreaker.STALL + 2);
        assertThat(breaker.unavailability(AppendBreaker.STALL + 2)).isNull();

        // the other append is still outstanding: a stall counts from the last acknowledgement
        assertThat(breaker.unavailability(2 * AppendBreaker.STALL + 3)).isNotNull();
        breaker.reachable(2 * AppendBreaker.STALL + 4);
        assertThat(breaker.unavailability(2 * AppendBreaker.STALL + 4)).isNull();
    }
}
