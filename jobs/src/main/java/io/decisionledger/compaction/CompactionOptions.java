package io.decisionledger.compaction;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.options.Command;
import io.decisionledger.options.JobOptions;
import io.decisionledger.options.LakeOptions;
import io.decisionledger.options.OptionTable;
import io.decisionledger.options.ParquetOptions;
import io.decisionledger.options.RunMetricsOptions;
import io.decisionledger.options.SigningOptions;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.MergedFileWriter;
import io.decisionledger.rewrite.SortedRewrite;
import io.decisionledger.rewrite.SwapStep;
import java.io.Serializable;
import java.time.Duration;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The compaction job's options, parsed once from {@code --name value} arguments into typed values
 * with documented defaults ({@link #COMMAND}, {@link #help()}). Unknown options are an error, so a
 * typo never falls back to a default. The lake (with its landing area) and the Parquet settings are
 * option groups the jobs share (io.decisionledger.options); {@link #jobParameters()} is what
 * Flink's web UI shows.
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
 * @param retention whether partitions past retention are deleted (after summaries are written)
 * @param retentionPolicyFile the per-tenant retention policy file, or null for 7 years everywhere
 * @param legalHolds the legal holds file, or null with {@code noLegalHolds}
 * @param noLegalHolds the operator said there is no hold ({@code --no-legal-holds}); a retention
 *     run needs this or {@code legalHolds}, so forgetting the hold file never deletes held data
 * @param strict a legal hold that kept no record of the partitions past retention fails the run
 *     (exit 3) instead of only warning
 * @param archive where partitions are copied before deletion, or null for no copy
 * @param failAt crash tests only: stop at this step of the swap protocol as a crash would
 * @param sortBufferBytes heap one task's sort buffer holds before it spills to the TaskManager's
 *     temporary directories
 * @param verify how merged files are checked against their sources
 * @param splitBytes a partition with more source bytes than this is merged in slices by several
 *     subtasks (up to the job's parallelism, about this many bytes each); 0: never split
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
        boolean retention,
        String retentionPolicyFile,
        String legalHolds,
        boolean noLegalHolds,
        boolean strict,
        String archive,
        SwapStep failAt,
        SigningOptions.Signing signing,
        long sortBufferBytes,
        SortedRewrite.Verify verify,
        long splitBytes)
        implements Serializable, JobOptions {

    public static final long DEFAULT_TARGET_FILE_BYTES = 256L * 1024 * 1024;
    public static final int DEFAULT_ROW_GROUP_BYTES = 128 * 1024 * 1024;

    /** Smallest sort buffer accepted: smaller ones only spill more. */
    public static final long MIN_SORT_BUFFER_BYTES = 1024 * 1024;

    /**
     * The command line of {@code CompactionJob}: the options with their defaults, in --help order.
     * Its main also reads the policy and hold files (which may be on S3), so a bad file is a bad
     * option (exit 2), not a failed run.
     */
    public static final Command<CompactionOptions> COMMAND =
            command(given -> read(given).validateFiles());

    /** The same command line without reading the policy and hold files (tests, planning). */
    private static final Command<CompactionOptions> PARSER = command(CompactionOptions::read);

    private static Command<CompactionOptions> command(Command.Reader<CompactionOptions> reader) {
        return Command.of(
                        "compact",
                        "CompactionJob: merges the small files of closed lake partitions into"
                                + " sorted, verified files (Flink batch).\n\nUsage: flink run -c"
                                + " io.decisionledger.compaction.CompactionJob"
                                + " decision-ledger-jobs.jar [options]\n\n",
                        table(),
                        reader)
                .withFooter(
                        "\nExit code: 0 done, 1 a partition failed (rerun to finish), 2 bad"
                                + " options.\n");
    }

    private static OptionTable table() {
        OptionTable t = new OptionTable();
        LakeOptions.declare(t, "Lake root the merged files go to.");
        LakeOptions.declareLanding(t);
        t.add(
                "min-age",
                "P2D",
                "ISO-8601 days: partitions whose date is at least this long before today (UTC)"
                        + " are closed and compacted. P2D = every date before yesterday.");
        t.add(
                "as-of",
                "",
                "The date taken as today for --min-age and retention (yyyy-MM-dd), not after today"
                        + " (UTC): a later date would delete what is not yet past retention."
                        + " Default: today UTC.");
        t.add(
                "target-file-bytes",
                String.valueOf(DEFAULT_TARGET_FILE_BYTES),
                "Largest merged file; a partition becomes ceil(bytes / target) files.");
        t.add("dry-run", "false", "Print what would be merged and cleaned; change nothing.");
        t.add("datasets", "audit,ops,quarantine", "Comma-separated datasets to compact.");
        t.add("tenant", "", "Only this tenant's partitions (quarantine is then skipped).");
        t.add(
                "run-id",
                "",
                "Names this run's staging folder and files (compacted-<run>-<n>.parquet)."
                        + " After a failed run (exit code 1, e.g. a TaskManager killed), rerun with"
                        + " the same id: it first finishes the swaps and deletions the failed"
                        + " attempt committed. Default: the start time and a random suffix.");
        t.add(
                "inprogress-min-age",
                "P7D",
                "Hidden in-progress files of failed streaming attempts (.part-*.inprogress.*)"
                        + " older than this are deleted. Keep it longer than the oldest checkpoint or"
                        + " savepoint the ingest job may be restored from.");
        ParquetOptions.declare(
                t,
                new ParquetSettings(
                        "ZSTD", DEFAULT_ROW_GROUP_BYTES, ParquetSettings.DEFAULT_PAGE_BYTES),
                "Row-group size of the merged files.");
        t.add(
                "retention",
                "true",
                "Delete partitions past retention (after writing their summaries to"
                        + " <lake>/summaries/), keeping records under legal hold. Needs"
                        + " --legal-holds or --no-legal-holds, and audit in --datasets (held ops"
                        + " rows are found through their audit rows); false for a compaction-only"
                        + " run.");
        SigningOptions.declare(t, "the retention summaries and chain anchors");
        RunMetricsOptions.declare(t);
        t.add(
                "retention-policy",
                "",
                "JSON file (any Flink file system URI or a local path) with the retention period per"
                        + " tenant: {\"version\": \"...\", \"default\": \"P7Y\","
                        + " \"tenants\": {\"t\": \"P25M\"}}. Default: P7Y for every tenant."
                        + " Periods under P6M are refused.");
        t.add(
                "legal-holds",
                "",
                "JSON file of legal holds (by tenant, user or case, with reason and placed_by)"
                        + " that block deletion. A retention run needs this or --no-legal-holds:"
                        + " there is no default, so a forgotten file never deletes held data.");
        t.flag(
                "no-legal-holds",
                "Retention without legal holds: say so explicitly (refused together with"
                        + " --legal-holds).");
        t.flag(
                "strict",
                "A legal hold that kept no record past retention (a mistyped id?) fails the run"
                        + " with exit code 3 instead of a warning.");
        t.add(
                "archive",
                "",
                "Lake root (another prefix or bucket) that partitions past retention are copied to"
                        + " before they are deleted. Default: no copy.");
        t.add(
                "sort-buffer-bytes",
                String.valueOf(SortedRewrite.DEFAULT_SORT_BUFFER_BYTES),
                "Heap one task's sort buffer holds before it spills sorted runs to the"
                        + " TaskManager's temporary directories (io.tmp.dirs); compacted files,"
                        + " already in order, are merged as they stream, as many at a time as"
                        + " their largest row groups fit in this size. A slot needs about twice"
                        + " this plus one row group of output (--parquet-row-group-bytes) of"
                        + " heap, whatever the partition's size.");
        t.add(
                "verify",
                "digest",
                "How merged files are checked before the swap: digest (the count, event ids and"
                        + " every record's full contents, as order-independent SHA-256 sums"
                        + " computed while reading and while writing, and the files' row counts)"
                        + " or readback (also reads the staged files back and digests them:"
                        + " checks the Parquet encoding too, at the cost of a second read).");
        t.add(
                "split-bytes",
                "",
                "A partition whose files to merge hold more bytes than this is merged by several"
                        + " subtasks at once: split into ceil(bytes / split-bytes) slices (at most"
                        + " the job's parallelism) by ranges of user_id (ops: user_pseudonym), each"
                        + " sorted and written by its own subtask, published together once every"
                        + " slice is staged and their union verified against the input. Each slice"
                        + " reads the whole partition and keeps its range. 0: never split (one"
                        + " subtask per partition). Default: twice --target-file-bytes; not below"
                        + " --target-file-bytes.");
        t.add(
                "fail-at",
                "",
                "Crash tests only: stop at this swap step as a killed process would ("
                        + String.join(", ", stepNames())
                        + ").");
        return t;
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
        if (archive != null && archive.equals(lake.root())) {
            throw new IllegalArgumentException("--archive must not be the lake itself");
        }
        if (retention && legalHolds == null && !noLegalHolds) {
            throw new IllegalArgumentException(
                    "retention deletes what is past its period, so it needs the legal holds"
                            + " explicitly: --legal-holds FILE, or --no-legal-holds when no hold"
                            + " exists (--retention false for a compaction-only run)");
        }
        if (legalHolds != null && noLegalHolds) {
            throw new IllegalArgumentException(
                    "--legal-holds and --no-legal-holds contradict each other; give one");
        }
        if (retention && !datasets.contains(Dataset.AUDIT)) {
            throw new IllegalArgumentException(
                    "retention of "
                            + String.join(",", datasets.stream().map(Dataset::label).toList())
                            + " without audit is refused: which rows legal holds keep is read from"
                            + " the audit rows (ops rows carry pseudonyms only); add audit to"
                            + " --datasets, or pass --retention false for a compaction-only run");
        }
        if (splitBytes != 0 && splitBytes < targetFileBytes) {
            throw new IllegalArgumentException(
                    "--split-bytes must be 0 (never split) or at least --target-file-bytes ("
                            + targetFileBytes
                            + "): smaller slices would only write small files");
        }
        if (!runId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException(
                    "--run-id may only hold letters, digits, '-' and '_' (at most 64)");
        }
    }

    /** The retention policy: the file's, or seven years for every tenant. */
    public io.decisionledger.retention.RetentionPolicy retentionPolicy() {
        return retentionPolicyFile == null
                ? io.decisionledger.retention.RetentionPolicy.defaults()
                : io.decisionledger.retention.RetentionPolicy.load(retentionPolicyFile);
    }

    /**
     * Reads the policy and hold files (which may be on S3, so not at parse time): the job's {@code
     * main} calls it before running, so a bad file is a bad option (exit 2), not a failed run.
     */
    public CompactionOptions validateFiles() {
        retentionPolicy();
        if (legalHolds != null) {
            io.decisionledger.retention.LegalHolds.load(legalHolds);
        }
        return this;
    }

    /**
     * The same options as if the run took place on {@code date}, which may be after today: for the
     * demo's "seven years later" on a copy of its lake. Not reachable from the command line, which
     * refuses an {@code --as-of} after today.
     */
    public CompactionOptions simulatedAt(LocalDate date) {
        return new CompactionOptions(
                lake,
                landing,
                minAgeDays,
                date,
                targetFileBytes,
                dryRun,
                datasets,
                tenant,
                runId,
                inProgressMinAge,
                parquet,
                retention,
                retentionPolicyFile,
                legalHolds,
                noLegalHolds,
                strict,
                archive,
                failAt,
                signing,
                sortBufferBytes,
                verify,
                splitBytes);
    }

    /**
     * Slices a partition of {@code sourceBytes} is merged in on a job of {@code parallelism}: 1
     * (not split) up to {@code --split-bytes}, then one per {@code --split-bytes}, at most {@code
     * parallelism}.
     */
    public int slicesFor(long sourceBytes, int parallelism) {
        if (splitBytes <= 0 || sourceBytes <= splitBytes || parallelism < 2) {
            return 1;
        }
        long n = (sourceBytes + splitBytes - 1) / splitBytes;
        return (int) Math.min(parallelism, n);
    }

    /** Whether merged files go to another root than the one they are read from. */
    public boolean separateLanding() {
        return !landing.root().equals(lake.root());
    }

    /** The latest partition date that is compacted. */
    public LocalDate newestClosedDate() {
        return asOf.minusDays(minAgeDays);
    }

    /** The options {@code args} give; a bad command line is an InvalidOptionException. */
    public static CompactionOptions parse(String[] args) {
        return PARSER.parse(args);
    }

    private static CompactionOptions read(OptionTable.Parsed given) {
        LakeLayout lake = LakeOptions.lake(given);
        Set<Dataset> datasets = given.as("datasets", CompactionOptions::datasets);
        String runId = given.optional("run-id");
        LocalDate asOf = given.date("as-of");
        if (asOf != null && asOf.isAfter(LocalDate.now(ZoneOffset.UTC))) {
            // a later "today" would side-step every retention period, the six-month minimum too
            throw new IllegalArgumentException(
                    "--as-of "
                            + asOf
                            + " is after today ("
                            + LocalDate.now(ZoneOffset.UTC)
                            + " UTC): it would delete what is not yet past retention");
        }
        String archive = given.optional("archive");
        long target = given.longValue("target-file-bytes", 1);
        return new CompactionOptions(
                lake,
                LakeOptions.landing(given, lake),
                given.as("min-age", CompactionOptions::days),
                asOf != null ? asOf : LocalDate.now(ZoneOffset.UTC),
                target,
                given.bool("dry-run"),
                datasets,
                given.optional("tenant"),
                runId == null ? newRunId() : runId,
                given.duration("inprogress-min-age"),
                ParquetOptions.read(given),
                given.bool("retention"),
                given.optional("retention-policy"),
                given.optional("legal-holds"),
                given.bool("no-legal-holds"),
                given.bool("strict"),
                archive == null ? null : given.as("archive", LakeLayout::at).root(),
                given.optional("fail-at") == null ? null : given.choice("fail-at", SwapStep.class),
                SigningOptions.read(given),
                given.longValue("sort-buffer-bytes", MIN_SORT_BUFFER_BYTES),
                given.choice("verify", SortedRewrite.Verify.class),
                given.optional("split-bytes") == null
                        ? 2 * target
                        : given.longValue("split-bytes", 0));
    }

    /** The bounded-memory sort, write and verification of a partition's rows. */
    public SortedRewrite sortedRewrite() {
        return new SortedRewrite(
                new MergedFileWriter(parquet, targetFileBytes), sortBufferBytes, verify);
    }

    /** The same options with one changed, for tests: {@code with("run-id", "r2")}. */
    public CompactionOptions with(String... nameValuePairs) {
        return PARSER.reparse(options(), nameValuePairs);
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>(LakeOptions.options(lake));
        o.put("landing", landing.root());
        o.put("min-age", "P" + minAgeDays + "D");
        o.put("as-of", asOf.toString());
        o.put("target-file-bytes", String.valueOf(targetFileBytes));
        o.put("dry-run", String.valueOf(dryRun));
        o.put("datasets", String.join(",", datasets.stream().map(Dataset::label).toList()));
        if (tenant != null) {
            o.put("tenant", tenant);
        }
        o.put("run-id", runId);
        o.put("inprogress-min-age", inProgressMinAge.toString());
        o.putAll(ParquetOptions.options(parquet));
        o.put("retention", String.valueOf(retention));
        if (retentionPolicyFile != null) {
            o.put("retention-policy", retentionPolicyFile);
        }
        if (legalHolds != null) {
            o.put("legal-holds", legalHolds);
        }
        if (noLegalHolds) {
            o.put("no-legal-holds", "true");
        }
        if (strict) {
            o.put("strict", "true");
        }
        if (archive != null) {
            o.put("archive", archive);
        }
        if (failAt != null) {
            o.put("fail-at", failAt.name());
        }
        o.put("sort-buffer-bytes", String.valueOf(sortBufferBytes));
        o.put("verify", verify.name().toLowerCase(java.util.Locale.ROOT));
        if (splitBytes != 2 * targetFileBytes) {
            // the default follows --target-file-bytes (also in with("target-file-bytes", ...))
            o.put("split-bytes", String.valueOf(splitBytes));
        }
        o.putAll(SigningOptions.options(signing));
        return o;
    }

    public static String help() {
        return COMMAND.help();
    }

    static String newRunId() {
        return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                        .withZone(ZoneOffset.UTC)
                        .format(java.time.Instant.now())
                + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    }

    private static Set<Dataset> datasets(String labels) {
        Set<Dataset> datasets = EnumSet.noneOf(Dataset.class);
        for (String d : labels.split(",")) {
            if (!d.isBlank()) {
                datasets.add(Dataset.ofLabel(d));
            }
        }
        return datasets;
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
}
