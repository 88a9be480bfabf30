package io.gatehouse.journal;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the journal has done since it was opened: group-commit passes, forces (fsyncs), records, bytes,
 * segments started and reclaimed, compactions, and how many torn tails the opening recovery cut off.
 * {@code forces / (stateRecords + events)} is the number of fsyncs per record the benchmarks report.
 */
public record JournalStats(long passes, long forces, long stateRecords, long events, long bytesWritten,
                           long segmentsActivated, long segmentsReclaimed, long compactions, long tornTailsCut) {

    /** Records of either kind. */
    public long records() {
        return stateRecords + events;
    }

    /** Counters updated by the journal's threads. */
    static final class Counters {
        private final LongAdder passes = new LongAdder();
        private final LongAdder forces = new LongAdder();
        private final LongAdder stateRecords = new LongAdder();
        private final LongAdder events = new LongAdder();
        private final LongAdder bytesWritten = new LongAdder();
        private final LongAdder segmentsActivated = new LongAdder();
        private final LongAdder segmentsReclaimed = new LongAdder();
        private final LongAdder compactions = new LongAdder();
        private final LongAdder tornTailsCut = new LongAdder();

        void pass() {
            passes.increment();
        }

        void force() {
            forces.increment();
        }

        void stateRecords(int n) {
            stateRecords.add(n);
        }

        void events(int n) {
            events.add(n);
        }

        void bytesWritten(long n) {
            bytesWritten.add(n);
        }

        void segmentActivated() {
            segmentsActivated.increment();
        }

        void segmentReclaimed() {
            segmentsReclaimed.increment();
        }

        void compaction() {
            compactions.increment();
        }

        void tornTailCut() {
            tornTailsCut.increment();
        }

        JournalStats snapshot() {
            return new JournalStats(passes.sum(), forces.sum(), stateRecords.sum(), events.sum(), bytesWritten.sum(),
                    segmentsActivated.sum(), segmentsReclaimed.sum(), compactions.sum(), tornTailsCut.sum());
        }
    }
}
