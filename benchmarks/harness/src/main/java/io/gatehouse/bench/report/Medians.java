package io.gatehouse.bench.report;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** Folds the repeated runs of one scenario on one broker into one row per variant: the median of every figure. */
public final class Medians {

    private Medians() {
    }

    public static List<ResultRow> of(List<ResultRow> runs, boolean smoke) {
        Map<String, List<ResultRow>> byVariant = new LinkedHashMap<>();
        for (ResultRow r : runs) {
            byVariant.computeIfAbsent(r.scenario + "|" + r.variant + "|" + r.broker, k -> new ArrayList<>()).add(r);
        }
        List<ResultRow> out = new ArrayList<>();
        for (List<ResultRow> group : byVariant.values()) {
            out.add(median(group, smoke));
        }
        return out;
    }

    private static ResultRow median(List<ResultRow> group, boolean smoke) {
        ResultRow first = group.get(0);
        ResultRow m = ResultRow.of(first.scenario, first.variant, first.broker, first.durability);
        try {
            for (Field f : ResultRow.class.getDeclaredFields()) {
                if (f.getType() == Double.class || f.getType() == Long.class) {
                    List<Double> values = new ArrayList<>();
                    for (ResultRow r : group) {
                        Object v = f.get(r);
                        if (v != null) {
                            values.add(((Number) v).doubleValue());
                        }
                    }
                    if (!values.isEmpty()) {
                        double med = median(values);
                        f.set(m, f.getType() == Long.class ? (Object) Math.round(med) : (Object) med);
                    }
                }
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        // errors and losses are not averaged away: the worst run counts
        m.errors = max(group, r -> r.errors);
        m.losses = max(group, r -> r.losses);
        m.duplicates = max(group, r -> r.duplicates);
        // a median hides the spread, and on a busy machine the spread is the finding: every run's figure is kept
        if (group.size() > 1) {
            m.note(eachRun(group, r -> r.msgsPerSec, "msgs/s"));
            m.note(eachRun(group, r -> r.p99Micros, "µs p99"));
            m.note(eachRun(group, r -> r.p99AtHalfRateMicros, "µs p99 at half rate"));
            m.note(eachRun(group, r -> r.msgsPerSecWithinTightP99, "msgs/s at p99 ≤ 10 ms"));
            m.note(eachRun(group, r -> r.connectsPerSec, "connects/s"));
            m.note(eachRun(group, r -> r.bytesPerConnection, "B of RSS per connection"));
        }
        // each run's notes one by one, so that a note all runs share appears once
        group.stream().filter(r -> r.notes != null).forEach(r -> Arrays.stream(r.notes.split("; ")).forEach(m::note));
        m.repeats = group.size();
        m.smoke = smoke ? Boolean.TRUE : null;
        return m;
    }

    /** "runs: 9,176 / 9,385 / 19,284 msgs/s", in run order; null when no run has the figure. */
    private static String eachRun(List<ResultRow> group, Function<ResultRow, Double> f, String unit) {
        List<String> values = new ArrayList<>();
        for (ResultRow r : group) {
            Double v = f.apply(r);
            values.add(v == null ? "–" : String.format(Locale.ROOT, "%,.0f", v));
        }
        return values.stream().allMatch("–"::equals) ? null : "runs: " + String.join(" / ", values) + " " + unit;
    }

    private static Long max(List<ResultRow> group, Function<ResultRow, Long> f) {
        return group.stream().map(f).filter(v -> v != null).max(Long::compare).orElse(null);
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
