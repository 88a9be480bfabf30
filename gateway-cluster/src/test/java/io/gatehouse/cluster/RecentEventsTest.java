package io.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.store.EventRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class RecentEventsTest {

    private static final int PAYLOAD = 104;
    /** The window's budget counts payload bytes. */
    private static final int COST = PAYLOAD;

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

    @Test
    void eventsOfEverySizeComeBackAsTheyWentInWhileTheRingWrapsManyTimes() {
        Random random = new Random(17);
        RecentEvents window = new RecentEvents(0, 10_000);
        List<EventRecord> added = new ArrayList<>();
        for (long offset = 0; offset < 5_000; offset++) {
            byte[] payload = new byte[1 + random.nextInt(900)];
            random.nextBytes(payload);
            EventRecord event = new EventRecord(offset, offset, 1_000 + offset, payload);
            added.add(event);
            window.followed(List.of(event));

            List<EventRecord> held = window.read(window.start(), Integer.MAX_VALUE);
            assertThat(held).isNotEmpty();
            assertThat(held.get(held.size() - 1).offset()).isEqualTo(offset);
            int heldBytes = held.stream().mapToInt(e -> e.payload().length).sum();
            assertThat(heldBytes).isLessThanOrEqualTo(10_000);
            for (EventRecord e : held) {
                EventRecord original = added.get((int) e.offset());
                assertThat(e.payload()).as("offset %d", e.offset()).isEqualTo(original.payload());
                assertThat(e.enqueuedTimeMillis()).isEqualTo(original.enqueuedTimeMillis());
            }
        }
    }

    @Test
    void anEventLargerThanTheWholeWindowEmptiesIt() {
        RecentEvents window = new RecentEvents(0, 10 * COST);
        window.followed(events(0, 5));
        window.followed(List.of(new EventRecord(5, 5, 0, new byte[11 * COST])));

        assertThat(window.read(5, 1)).as("read from Kafka").isNull();
        assertThat(window.start()).isEqualTo(6);
        window.followed(events(6, 8));
        assertThat(offsets(window.read(6, 10))).containsExactly(6L, 7L);
    }

    @Test
    void emptyEventsTakeTheirTurnInTheRingLikeOthers() {
        // 8 bytes: every event takes at least one, so the ring wraps every few events
        RecentEvents window = new RecentEvents(0, 8);
        for (long offset = 0; offset < 100; offset++) {
            byte[] payload = offset % 3 == 0 ? new byte[0] : new byte[] {(byte) offset};
            window.followed(List.of(new EventRecord(offset, offset, 0, payload)));
        }
        List<EventRecord> held = window.read(window.start(), 100);
        assertThat(offsets(held)).hasSizeBetween(4, 8).endsWith(99L);
        for (EventRecord e : held) {
            byte[] expected = e.offset() % 3 == 0 ? new byte[0] : new byte[] {(byte) e.offset()};
            assertThat(e.payload()).as("offset %d", e.offset()).isEqualTo(expected);
        }
    }

    @Test
    void aReadReturnsCopies() {
        RecentEvents window = new RecentEvents(0, 10 * COST);
        window.followed(events(0, 1));
        window.read(0, 1).get(0).payload()[0] = 42;
        assertThat(window.read(0, 1).get(0).payload()[0]).isZero();
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
