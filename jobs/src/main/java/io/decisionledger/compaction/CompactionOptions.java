package io.decisionledger.compaction;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetSettings;
import java.io.Serializable;
import java.time.Duration;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The compaction job's options, parsed once from {@code --name value} arguments into typed values
 * with documented defaults ({@link #help()}). Unknown options are an error, so a typo never falls
 * back to a default.
 *
 * @param lake where compacted files go (the lake of record; may be Object-Locked)
 * @param landing where the streaming job's small files are read from; the same as {@code lake}
 *     unless {@code --landing} is given (deploy/README.md: landing bucket vs locked lake)
 * @param minAgeDays a partition is compacted when its date is at least this many days before {@code
 *     asOf} (2: before yesterday)
 * @param asOf "today" (UTC) for the age rule
 * @param targetFileBytes the largest merged file wanted
 * @param dryRun only print what would be done
 * @param datasets which datasets to compact
 * @param tenant only this tenant's partitions (quarantine, which is not per tenant, is then
 *     skipped)
 * @param runId names this run's staging folder and merged files
 * @param inProgressMinAge hidden in-progress files of failed streaming attempts older than this are
 *     deleted
 * @param parquet codec, row-group and page size of the merged files
 * @param failAt crash tests only: stop at this step of the swap protocol as a crash would
 */
public record CompactionOptions(
        LakeLayout lake,
        LakeLayout landing,
        int minAgeDays,
        LocalDate asOf,
        long targetFileBytes,
        boolean dryRun,
        Set<Dataset> datasets,
        String tenant,
        String runId,
        Duration inProgressMinAge,
        ParquetSettings parquet,
        SwapStep failAt)
        implements Serializable {

    public static final long DEFAULT_TARGET_FILE_BYTES = 256L * 1024 * 1024;
    public static final int DEFAULT_ROW_GROUP_BYTES = 128 * 1024 * 1024;

    private static final Map<String, String[]> OPTIONS = new LinkedHashMap<>();

    static {
        option("lake", "file:///tmp/decision-ledger/lake", "Lake root the merged files go to.");
        option(
                "landing",
                "",
                "Root the streaming job writes to (its --lake), when it is not the lake of record"
                        + " (e.g. an unlocked landing bucket). Default: --lake (compact in place).");
        option(
                "min-age",
                "P2D",
                "ISO-8601 days: partitions whose date is at least this long before today (UTC)"
                        + " are closed and compacted. P2D = every date before yesterday.");
        option(
                "as-of",
                "",
                "The date taken as today for --min-age (yyyy-MM-dd). Default: today UTC.");
        option(
                "target-file-bytes",
                String.valueOf(DEFAULT_TARGET_FILE_BYTES),
                "Largest merged file; a partition becomes ceil(bytes / target) files.");
        option("dry-run", "false", "Print what would be merged and cleaned; change nothing.");
        option("datasets", "audit,ops,quarantine", "Comma-separated datasets to compact.");
        option("tenant", "", "Only this tenant's partitions (quarantine is then skipped).");
        option(
                "run-id",
                "",
                "Names this run's staging folder and files (compacted-<run>-<n>.parquet)."
                        + " Default: the start time and a random suffix.");
        option(
                "inprogress-min-age",
                "P7D",
                "Hidden in-progress files of failed streaming attempts (.part-*.inprogress.*)"
                        + " older than this are deleted. Keep it longer than the oldest checkpoint or"
                        + " savepoint the ingest job may be restored from.");
        option("parquet-compression", "ZSTD", "SNAPPY | ZSTD | GZIP | UNCOMPRESSED.");
        option(
                "parquet-row-group-bytes",
                String.valueOf(DEFAULT_ROW_GROUP_BYTES),
                "Row-group size of the merged files.");
        option(
                "parquet-page-bytes",
                String.valueOf(ParquetSettings.DEFAULT_PAGE_BYTES),
                "Page size of the merged files.");
        option(
                "fail-at",
                "",
                "Crash tests only: stop at this swap step as a killed process would ("
                        + String.join(", ", stepNames())
                        + ").");
    }

    private static void option(String name, String defaultValue, String description) {
        OPTIONS.put(name, new String[] {defaultValue, description});
    }

    private static java.util.List<String> stepNames() {
        return java.util.Arrays.stream(SwapStep.values()).map(Enum::name).toList();
    }

    public CompactionOptions {
        if (minAgeDays < 1) {
            throw new IllegalArgumentException(
                    "--min-age must be at least P1D: today's partition is still being written");
        }
        if (targetFileBytes < 64 * 1024) {
            throw new IllegalArgumentException("--target-file-bytes must be at least 65536");
        }
        if (datasets.isEmpty()) {
            throw new IllegalArgumentException("--datasets must name at least one dataset");
        }
        if (!runId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException(
                    "--run-id may only hold letters, digits, '-' and '_' (at most 64)");
        }
    }

    /** Whether merged files go to another root than the one they are read from. */
    public boolean separateLanding() {
        return !landing.root().equals(lake.root());
    }

    /** The latest partition date that is compacted. */
    public LocalDate newestClosedDate() {
        return asOf.minusDays(minAgeDays);
    }

    public static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    public static CompactionOptions parse(String[] args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException(
                        "unexpected argument '" + a + "'; options look like --name value");
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = "true"; // a bare flag such as --dry-run
            }
            if (!OPTIONS.containsKey(name)) {
                throw new IllegalArgumentException(
                        "unknown option --" + name + "; known options: " + OPTIONS.keySet());
            }
            given.put(name, value.strip());
        }
        String lake = value(given, "lake");
        String landing = given.getOrDefault("landing", lake);
        Set<Dataset> datasets = EnumSet.noneOf(Dataset.class);
        for (String d : value(given, "datasets").split(",")) {
            if (!d.isBlank()) {
                datasets.add(Dataset.ofLabel(d));
            }
        }
        String failAt = given.getOrDefault("fail-at", "");
        return new CompactionOptions(
                LakeLayout.at(lake),
                LakeLayout.at(landing),
                days(value(given, "min-age")),
                given.containsKey("as-of")
                        ? date(given.get("as-of"))
                        : LocalDate.now(ZoneOffset.UTC),
                longValue(given, "target-file-bytes"),
                bool(given, "dry-run"),
                datasets,
                given.getOrDefault("tenant", "").isEmpty() ? null : given.get("tenant"),
                given.getOrDefault("run-id", "").isEmpty() ? newRunId() : given.get("run-id"),
                duration(value(given, "inprogress-min-age")),
                new ParquetSettings(
                        value(given, "parquet-compression"),
                        (int) longValue(given, "parquet-row-group-bytes"),
                        (int) longValue(given, "parquet-page-bytes")),
                failAt.isEmpty() ? null : SwapStep.valueOf(failAt.toUpperCase(Locale.ROOT)));
    }

    /** The same options with one changed, for tests: {@code with("run-id", "r2")}. */
    public CompactionOptions with(String... nameValuePairs) {
        java.util.List<String> args = new java.util.ArrayList<>(toArgs());
        for (int i = 0; i + 1 < nameValuePairs.length; i += 2) {
            args.add("--" + nameValuePairs[i]);
            args.add(nameValuePairs[i + 1]);
        }
        return parse(args.toArray(new String[0]));
    }

    private java.util.List<String> toArgs() {
        java.util.List<String> a =
                new java.util.ArrayList<>(
                        java.util.List.of(
                                "--lake", lake.root(),
                                "--landing", landing.root(),
                                "--min-age", "P" + minAgeDays + "D",
                                "--as-of", asOf.toString(),
                                "--target-file-bytes", String.valueOf(targetFileBytes),
                                "--dry-run", String.valueOf(dryRun),
                                "--datasets",
                                        String.join(
                                                ",",
                                                datasets.stream().map(Dataset::label).toList()),
                                "--run-id", runId,
                                "--inprogress-min-age", inProgressMinAge.toString(),
                                "--parquet-compression", parquet.compression(),
                                "--parquet-row-group-bytes",
                                        String.valueOf(parquet.rowGroupBytes()),
                                "--parquet-page-bytes", String.valueOf(parquet.pageBytes())));
        if (tenant != null) {
            a.addAll(java.util.List.of("--tenant", tenant));
        }
        if (failAt != null) {
            a.addAll(java.util.List.of("--fail-at", failAt.name()));
        }
        return a;
    }

    public static String help() {
        StringBuilder out = new StringBuilder();
        out.append(
                "CompactionJob: merges the small files of closed lake partitions into sorted,"
                        + " verified files (Flink batch).\n\n");
        out.append(
                "Usage: flink run -c io.decisionledger.compaction.CompactionJob"
                        + " decision-ledger-jobs.jar [options]\n\n");
        for (Map.Entry<String, String[]> o : OPTIONS.entrySet()) {
            out.append(String.format("  --%-26s %s%n", o.getKey(), o.getValue()[1]));
            if (!o.getValue()[0].isEmpty()) {
                out.append(String.format("  %-28s default: %s%n", "", o.getValue()[0]));
            }
        }
        out.append("\nExit code: 0 done, 1 a partition failed (rerun to finish), 2 bad options.\n");
        return out.toString();
    }

    static String newRunId() {
        return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                        .withZone(ZoneOffset.UTC)
                        .format(java.time.Instant.now())
                + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    }

    private static String value(Map<String, String> given, String name) {
        String v = given.getOrDefault(name, OPTIONS.get(name)[0]);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("--" + name + " must not be empty");
        }
        return v;
    }

    private static boolean bool(Map<String, String> given, String name) {
        String v = value(given, name).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("--" + name + " must be true or false");
        }
        return Boolean.parseBoolean(v);
    }

    private static long longValue(Map<String, String> given, String name) {
        try {
            return Long.parseLong(value(given, name).replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number of bytes");
        }
    }

    private static int days(String text) {
        try {
            Period p = Period.parse(text);
            if (p.getYears() != 0 || p.getMonths() != 0) {
                throw new IllegalArgumentException("--min-age must be given in days, e.g. P2D");
            }
            return p.getDays();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--min-age must be an ISO-8601 period, e.g. P2D");
        }
    }

    private static LocalDate date(String text) {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--as-of must be a date, e.g. 2026-03-15");
        }
    }

    private static Duration duration(String text) {
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "--inprogress-min-age must be an ISO-8601 duration, e.g. P7D or PT12H");
        }
    }
}
