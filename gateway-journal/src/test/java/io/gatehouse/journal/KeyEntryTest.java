package io.gatehouse.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A key's record of which segments still hold puts of it: what decides when a delete may leave the disk. */
class KeyEntryTest {

    private final KeyEntry entry = new KeyEntry(StateKey.of(RecordKind.C2D_MESSAGE, "d1", 7));

    private static StateSegment segment(long id) {
        return new StateSegment(id, Path.of("state-" + id + ".seg"), null, 0);
    }

    private List<Long> putsOutside(StateSegment except) {
        List<Long> ids = new ArrayList<>();
        entry.forEachPutOutside(except, s -> ids.add(s.id));
        return ids;
    }

    @Test
    void aKeyWithOnePutHasNoneOutsideItsOwnSegment() {
        StateSegment s1 = segment(1);
        assertThat(entry.hasPutsOutside(null)).isFalse();
        entry.addPut(s1);
        entry.addPut(s1);
        assertThat(entry.hasPutsOutside(s1)).isFalse();
        assertThat(entry.hasPutsOutside(segment(2))).isTrue();
        assertThat(putsOutside(null)).containsExactly(1L);
    }

    @Test
    void putsInSeveralSegmentsAreListedOnceEachInOrderUntilTheirSegmentsAreDeleted() {
        StateSegment s1 = segment(1);
        StateSegment s2 = segment(2);
        StateSegment s3 = segment(3);
        entry.addPut(s1);
        entry.addPut(s2);
        entry.addPut(s3);
        entry.addPut(s2);
        assertThat(putsOutside(s3)).containsExactly(1L, 2L);

        s1.deleted = true; // the first one goes: the next takes its place
        assertThat(putsOutside(null)).containsExactly(2L, 3L);
        assertThat(entry.hasPutsOutside(s3)).isTrue();

        s2.deleted = true;
        assertThat(entry.hasPutsOutside(s3)).isFalse();
        assertThat(putsOutside(null)).containsExactly(3L);

        s3.deleted = true;
        assertThat(entry.hasPutsOutside(null)).isFalse();
        StateSegment s4 = segment(4);
        entry.addPut(s4);
        assertThat(putsOutside(null)).containsExactly(4L);
    }

    @Test
    void aListThatGrewAndShrankToOneSegmentGrowsAgainInOrder() {
        List<StateSegment> segments = new ArrayList<>();
        for (long id = 1; id <= 7; id++) {
            segments.add(segment(id));
            entry.addPut(segments.get(segments.size() - 1));
        }
        assertThat(putsOutside(null)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);

        for (int i : new int[] {1, 3, 5}) {
            segments.get(i).deleted = true; // every other one, from the middle
        }
        assertThat(putsOutside(segments.get(6))).containsExactly(1L, 3L, 5L);

        for (int i : new int[] {0, 2, 4}) {
            segments.get(i).deleted = true;
        }
        assertThat(putsOutside(null)).containsExactly(7L);
        assertThat(entry.hasPutsOutside(segments.get(6))).isFalse();

        entry.addPut(segment(8));
        entry.addPut(segment(9));
        assertThat(putsOutside(null)).containsExactly(7L, 8L, 9L);
        assertThat(entry.hasPutsOutside(segments.get(6))).isTrue();
    }
}
