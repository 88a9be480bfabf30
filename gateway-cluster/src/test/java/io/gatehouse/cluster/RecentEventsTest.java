package io.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.store.EventRecord;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class RecentEventsTest {

    private static final int PAYLOAD = 104;
    /** What one event of {@link #PAYLOAD} bytes costs in the window's budget. */
    private static final int COST = 200;

    @Test
    void readsFromAnyHeldOffsetAndWaitsPastTheEnd() {
        RecentEvents window = new RecentEvents(10, 100 * COST);
        window.followed(events(10, 20));

        assertThat(offsets(window.read(10, 100))).containsExactly(LongStream.range(10, 20).boxed().toArray(Long[]::new));
        assertThat(offsets(window.read(15, 3))).containsExactly(15L, 16L, 17L);
        assertThat(window.read(20, 5)).as("not followed yet").isEmpty();
        assertThat(window.read(9, 5)).as("before the window: Kafka's").isNull();
    }

    @Test
    void keepsTheNewestWithinItsBudget() {
        RecentEvents window = new RecentEvents(0, 5 * COST);
        window.followed(events(0, 12));

        assertThat(window.start()).isEqualTo(7);
        assertThat(window.end()).isEqualTo(12);
        assertThat(window.read(6, 10)).isNull();
        assertThat(offsets(window.read(7, 10))).containsExactly(7L, 8L, 9L, 10L, 11L);
    }

    @Test
    void anOwnEventGoesInOnlyWhenNothingCanComeBeforeIt() {
        RecentEvents window = new RecentEvents(0, 100 * COST);
        window.acknowledged(event(1));
        assertThat(window.end()).as("offset 0, another node's, is not followed yet").isZero();

        window.acknowledged(event(0));
        window.acknowledged(event(1));
        assertThat(window.end()).isEqualTo(2);

        // the follower brings the same events again, and the ones after
        window.followed(events(0, 4));
        assertThat(offsets(window.read(0, 10))).containsExactly(0L, 1L, 2L, 3L);
    }

    @Test
    void growsPastItsFirstCapacityInOrder() {
        RecentEvents window = new RecentEvents(0, 10_000L * COST);
        for (long offset = 0; offset < 1000; offset += 7) {
            window.followed(events(offset, Math.min(offset + 7, 1000)));
        }
        List<EventRecord> all = window.read(0, 2000);
        assertThat(offsets(all)).containsExactly(LongStream.range(0, 1000).boxed().toArray(Long[]::new));
        assertThat(offsets(window.read(999, 10))).containsExactly(999L);
    }

    @Test
    void aGapInOffsetsIsCovered() {
        RecentEvents window = new RecentEvents(0, 100 * COST);
        window.followed(List.of(event(0), event(1), event(5), event(6)));
        assertThat(offsets(window.read(2, 10))).as("the first held at or after the offset").containsExactly(5L, 6L);
    }

    private static List<EventRecord> events(long from, long to) {
        return LongStream.range(from, to).mapToObj(RecentEventsTest::event).toList();
    }

    private static EventRecord event(long offset) {
        return new EventRecord(offset, offset, 1_000 + offset, new byte[PAYLOAD]);
    }

    private static List<Long> offsets(List<EventRecord> records) {
        return records.stream().map(EventRecord::offset).toList();
    }
}
