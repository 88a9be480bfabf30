package io.gatehouse.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** Writes {@code latest.json} (the rows) and {@code latest.md} (the machine, the figures, the ratios). */
public final class Reports {

    /** A figure of the Markdown table: its heading, which way is better, how to read it from a row. */
    private record Column(String heading, boolean higherIsBetter, Function<ResultRow, Double> value, String format) {
    }

    private static final List<Column> COLUMNS = List.of(
            new Column("msgs/s", true, ResultRow::msgsPerSec, "%,.0f"),
            new Column("msgs/s at p99 ≤ 10 ms", true, ResultRow::msgsPerSecWithinTightP99, "%,.0f"),
            new Column("p50 µs", false, ResultRow::p50Micros, "%,.0f"),
            new Column("p99 µs", false, ResultRow::p99Micros, "%,.0f"),
            new Column("p99.9 µs", false, ResultRow::p999Micros, "%,.0f"),
            new Column("broker CPU µs/msg", false, ResultRow::cpuMicrosPerMsg, "%,.1f"),
            new Column("p99 µs at half rate", false, ResultRow::p99AtHalfRateMicros, "%,.0f"),
            new Column("connects/s", true, ResultRow::connectsPerSec, "%,.0f"),
            new Column("RSS B/conn", false, ResultRow::bytesPerConnection, "%,.0f"),
            new Column("heap B/conn", false, ResultRow::heapBytesPerConnection, "%,.0f"),
            new Column("peak RSS MB", false, r -> r.peakRssBytes() == null ? null : r.peakRssBytes() / 1048576.0, "%,.0f"),
            new Column("RSS MB", false, r -> r.rssBytes() == null ? null : r.rssBytes() / 1048576.0, "%,.0f"));

    private Reports() {
    }

    /**
     * {@code rows} with each scenario's rows together, the scenarios in {@code scenarioOrder} (others after them, in
     * the order they first appear), each scenario's rows in their order: re-running one scenario into an earlier
     * report keeps its section where it was.
     */
    public static List<ResultRow> inScenarioOrder(List<ResultRow> rows, List<String> scenarioOrder) {
        Map<String, List<ResultRow>> byScenario = new LinkedHashMap<>();
        scenarioOrder.forEach(id -> byScenario.put(id, new ArrayList<>()));
        rows.forEach(r -> byScenario.computeIfAbsent(r.scenario(), k -> new ArrayList<>()).add(r));
        return byScenario.values().stream().flatMap(List::stream).toList();
    }

    /** The rows of an earlier {@code latest.json}. */
    public static List<ResultRow> read(Path file) throws IOException {
        return List.of(new ObjectMapper().readValue(file.toFile(), ResultRow[].class));
    }

    public static void write(Path dir, List<ResultRow> rows, MachineInfo machine, String runDescription,
                             List<String> skipped) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.write(dir.resolve("latest.json"), json.writeValueAsBytes(rows));
        Files.writeString(dir.resolve("latest.md"), markdown(rows, machine, runDescription, skipped));
    }

    static String markdown(List<ResultRow> rows, MachineInfo m, String runDescription, List<String> skipped) {
        StringBuilder md = new StringBuilder();
        md.append("# Gatehouse side-by-side benchmark\n\n");
        md.append(String.format(Locale.ROOT, "- Date: %s%n- Machine: %d cores, %s, %.0f GiB memory, Linux %s%n- JDK: %s%n- Run: %s%n",
                m.date(), m.cores(), m.cpuModel(), m.memoryBytes() / 1073741824.0, m.kernel(), m.jdk(), runDescription));
        if (m.floor() != null) {
            md.append("- Machine floor: ").append(m.floor()).append('\n');
        }
        md.append("- Durability: **D1** = acknowledged only after fsync (group commit); **D0** = acknowledged before any sync.\n");
        if (rows.stream().anyMatch(r -> Boolean.TRUE.equals(r.smoke))) {
            md.append("\n> **SMOKE RUN** (`--quick`): tiny sizes, one repeat, on a shared machine. These figures prove the harness "
                    + "works end to end; they are not benchmark results.\n");
        }
        Map<String, List<ResultRow>> byScenario = new LinkedHashMap<>();
        rows.forEach(r -> byScenario.computeIfAbsent(r.scenario(), k -> new ArrayList<>()).add(r));
        for (Map.Entry<String, List<ResultRow>> e : byScenario.entrySet()) {
            md.append("\n## ").append(e.getKey()).append("\n\n");
            List<Column> cols = COLUMNS.stream().filter(c -> e.getValue().stream().anyMatch(r -> c.value().apply(r) != null)).toList();
            md.append("| variant | broker | durability |");
            cols.forEach(c -> md.append(' ').append(c.heading()).append(c.higherIsBetter() ? " ↑" : " ↓").append(" |"));
            md.append(" dup | lost | errors | notes |\n|---|---|---|");
            cols.forEach(c -> md.append("---:|"));
            md.append("---:|---:|---:|---|\n");
            for (ResultRow r : e.getValue()) {
                md.append("| ").append(r.variant()).append(" | ").append(r.broker()).append(" | ").append(r.durability()).append(" |");
                cols.forEach(c -> md.append(' ').append(fmt(c.value().apply(r), c.format())).append(" |"));
                md.append(' ').append(num(r.duplicates())).append(" | ").append(num(r.losses())).append(" | ")
                        .append(num(r.errors())).append(" | ").append(r.notes() == null ? "" : r.notes().replace("|", "/")).append(" |\n");
            }
            ratios(md, e.getValue(), cols);
        }
        if (!skipped.isEmpty()) {
            md.append("\n## Not run\n\n");
            skipped.forEach(s -> md.append("- ").append(s).append('\n'));
        }
        md.append("\n↑ higher is better, ↓ lower is better. Ratios are Gatehouse ÷ peer: above 1 is better for ↑ columns, "
                + "below 1 is better for ↓ columns.\n");
        return md.toString();
    }

    private static void ratios(StringBuilder md, List<ResultRow> rows, List<Column> cols) {
        List<String> lines = new ArrayList<>();
        for (ResultRow g : rows) {
            if (!g.broker().equals("gatehouse")) {
                continue;
            }
            for (ResultRow p : rows) {
                if (p.broker().equals("gatehouse") || !p.variant().equals(g.variant())) {
                    continue;
                }
                StringBuilder line = new StringBuilder("| ").append(g.variant()).append(" | gatehouse ÷ ").append(p.broker())
                        .append(" (").append(g.durability()).append(" vs ").append(p.durability()).append(") |");
                for (Column c : cols) {
                    Double a = c.value().apply(g);
                    Double b = c.value().apply(p);
                    line.append(' ').append(a == null || b == null || b == 0 ? "–" : String.format(Locale.ROOT, "%.2f×", a / b)).append(" |");
                }
                lines.add(line.append('\n').toString());
            }
        }
        if (lines.isEmpty()) {
            return;
        }
        md.append("\nRatios:\n\n| variant | comparison |");
        cols.forEach(c -> md.append(' ').append(c.heading()).append(c.higherIsBetter() ? " ↑" : " ↓").append(" |"));
        md.append("\n|---|---|");
        cols.forEach(c -> md.append("---:|"));
        md.append('\n');
        lines.forEach(md::append);
    }

    private static String fmt(Double v, String format) {
        return v == null ? "–" : String.format(Locale.ROOT, format, v);
    }

    private static String num(Long v) {
        return v == null ? "–" : Long.toString(v);
    }
}
