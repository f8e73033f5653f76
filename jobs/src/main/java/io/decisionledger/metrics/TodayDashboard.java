package io.decisionledger.metrics;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.options.Command;
import io.decisionledger.options.LakeOptions;
import io.decisionledger.options.OptionTable;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The dashboard question, answered from the read model alone: a day's total decisions, approval and
 * denial rates per tenant and model version. It sums the current row (highest revision) of every
 * window of that UTC day at the finest granularity the read model has, so it works while the day is
 * still running (the day's {@code 1d} row only exists once the day is over). It reads the metrics
 * Parquet, never the audit store. {@code Main metrics-today} runs it; the README shows the same
 * query in DuckDB SQL.
 */
public final class TodayDashboard {

    /** One line of the dashboard: a day's totals of one tenant × model × model version. */
    public record ModelTotals(
            String tenantId,
            String model,
            String modelVersion,
            long decisions,
            long approved,
            long denied,
            long noDecision,
            int windows,
            Instant through) {

        public double approvalRate() {
            return decisions == 0 ? 0 : approved / (double) decisions;
        }

        public double denialRate() {
            return decisions == 0 ? 0 : denied / (double) decisions;
        }
    }

    /** Options: {@code --lake URI [--tenant T] [--date yyyy-MM-dd] [--granularity G]}. */
    public record Options(LakeLayout lake, String tenant, LocalDate date, Granularity granularity) {

        /** The command line of {@code metrics-today}. */
        public static final Command<Options> COMMAND =
                Command.of(
                        "metrics-today",
                        "metrics-today: a day's decisions, approval and denial rates per tenant"
                                + " and model,\nfrom the metrics read model"
                                + " (<lake>/metrics/decision_metrics).\n\nUsage: Main"
                                + " metrics-today [options]\n\n",
                        table(),
                        Options::read);

        private static OptionTable table() {
            OptionTable t = new OptionTable();
            LakeOptions.declare(t, "Lake root.");
            t.add("tenant", "", "One tenant. Default: every tenant.");
            t.add("date", "", "UTC day, yyyy-MM-dd. Default: today (UTC).");
            t.add(
                    "granularity",
                    "",
                    "Window rows to sum (e.g. 1m, 1h). Default: the finest in the read model.");
            return t;
        }

        private static Options read(OptionTable.Parsed given) {
            LocalDate date = given.date("date");
            return new Options(
                    LakeOptions.lake(given),
                    given.optional("tenant"),
                    date != null ? date : LocalDate.now(ZoneOffset.UTC),
                    given.optional("granularity") == null
                            ? null
                            : given.as("granularity", Granularity::parse));
        }

        /** The options {@code args} give; a bad command line is an InvalidOptionException. */
        public static Options parse(String[] args) {
            return COMMAND.parse(args);
        }

        static String help() {
            return COMMAND.help();
        }
    }

    private TodayDashboard() {}

    public static void main(String[] args) throws IOException {
        Options options = Options.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        print(options, System.out);
    }

    /** Prints the dashboard for {@code options}; returns its lines' totals. */
    public static List<ModelTotals> print(Options options, PrintStream out) throws IOException {
        Granularity g =
                options.granularity() != null ? options.granularity() : finest(options.lake());
        if (g == null) {
            out.println("No metrics read model under " + options.lake().decisionMetrics());
            return List.of();
        }
        List<ModelTotals> totals = read(options.lake(), options.tenant(), options.date(), g);
        out.printf(
                "Decisions on %s (UTC), from %s windows of the read model:%n",
                options.date(), g.label());
        out.printf(
                "  %-16s %-8s %-20s %9s %9s %9s %8s  %s%n",
                "tenant",
                "model",
                "model_version",
                "decisions",
                "approval",
                "denial",
                "none",
                "through");
        for (ModelTotals t : totals) {
            out.printf(
                    "  %-16s %-8s %-20s %,9d %8.1f%% %8.1f%% %,8d  %s%n",
                    t.tenantId(),
                    t.model(),
                    t.modelVersion(),
                    t.decisions(),
                    100 * t.approvalRate(),
                    100 * t.denialRate(),
                    t.noDecision(),
                    t.through());
        }
        if (totals.isEmpty()) {
            out.println("  (no decisions in the read model for that day)");
        }
        return totals;
    }

    /** The finest granularity that has rows in the read model, or null when there are none. */
    public static Granularity finest(LakeLayout lake) throws IOException {
        Path root = lake.decisionMetrics();
        FileSystem fs = root.getFileSystem();
        if (!fs.exists(root)) {
            return null;
        }
        Granularity finest = null;
        for (FileStatus dir : fs.listStatus(root)) {
            String name = dir.getPath().getName();
            if (dir.isDir() && name.startsWith("granularity=")) {
                Granularity g;
                try {
                    g = Granularity.parse(name.substring("granularity=".length()));
                } catch (IllegalArgumentException e) {
                    continue; // not a folder this version writes
                }
                if (finest == null || g.length().compareTo(finest.length()) < 0) {
                    finest = g;
                }
            }
        }
        return finest;
    }

    /**
     * Sums the current rows of {@code date}'s windows of granularity {@code g}, per tenant and
     * model version, sorted; {@code tenant} null means every tenant.
     */
    public static List<ModelTotals> read(
            LakeLayout lake, String tenant, LocalDate date, Granularity g) throws IOException {
        Path granularityDir = new Path(lake.decisionMetrics(), "granularity=" + g.label());
        FileSystem fs = granularityDir.getFileSystem();
        List<Path> dayDirs = new ArrayList<>();
        if (fs.exists(granularityDir)) {
            for (FileStatus tenantDir : fs.listStatus(granularityDir)) {
                String name = tenantDir.getPath().getName();
                if (tenantDir.isDir()
                        && name.startsWith("tenant_id=")
                        && (tenant == null || name.equals("tenant_id=" + tenant))) {
                    dayDirs.add(new Path(tenantDir.getPath(), "window_date=" + date));
                }
            }
        }
        // Current row per window: the highest revision wins (several files may hold revisions).
        Map<WindowOf, GenericRecord> current = new HashMap<>();
        for (Path dir : dayDirs) {
            for (FileStatus file : LakeFiles.parquetFiles(dir)) {
                LakeFiles.forEachRecord(
                        file,
                        r ->
                                current.merge(
                                        new WindowOf(
                                                r.get("tenant_id").toString(),
                                                r.get("model").toString(),
                                                r.get("model_version").toString(),
                                                instant(r.get("window_start"))),
                                        r,
                                        (a, b) ->
                                                (Long) a.get("revision") >= (Long) b.get("revision")
                                                        ? a
                                                        : b));
            }
        }
        Map<List<String>, ModelTotals> totals = new TreeMap<>(Comparator.comparing(List::toString));
        for (GenericRecord r : current.values()) {
            List<String> key =
                    List.of(
                            r.get("tenant_id").toString(),
                            r.get("model").toString(),
                            r.get("model_version").toString());
            Instant end = instant(r.get("window_end"));
            ModelTotals row =
                    new ModelTotals(
                            key.get(0),
                            key.get(1),
                            key.get(2),
                            (Long) r.get("total_decisions"),
                            (Long) r.get("approved"),
                            (Long) r.get("denied"),
                            (Long) r.get("no_decision"),
                            1,
                            end);
            totals.merge(key, row, TodayDashboard::add);
        }
        return List.copyOf(totals.values());
    }

    /** One window of the read model: its rows are revisions of each other. */
    private record WindowOf(String tenantId, String model, String modelVersion, Instant start) {}

    /**
     * A timestamp-micros column, as Parquet's Avro reader hands it over (with or without logical
     * types).
     */
    private static Instant instant(Object value) {
        if (value instanceof Instant i) {
            return i;
        }
        long micros = (Long) value;
        return Instant.ofEpochSecond(
                Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }

    private static ModelTotals add(ModelTotals a, ModelTotals b) {
        return new ModelTotals(
                a.tenantId(),
                a.model(),
                a.modelVersion(),
                a.decisions() + b.decisions(),
                a.approved() + b.approved(),
                a.denied() + b.denied(),
                a.noDecision() + b.noDecision(),
                a.windows() + b.windows(),
                a.through().isAfter(b.through()) ? a.through() : b.through());
    }
}
