package io.decisionledger.erasure;

import io.decisionledger.lake.ExclusiveCreate;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.PartitionRewrite;
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.rewrite.SwapManifest;
import io.decisionledger.rights.ErasurePlan;
import io.decisionledger.rights.ErasureReceipt;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * The client side of an erasure run, before and after the Flink job: reads the plan; stops at once
 * when its receipt already exists (the plan was executed: the receipt is printed again); finishes
 * every file swap an earlier erasure run committed; lists the partition folders that may hold the
 * plan's records (the tenant's audit and ops partitions and every quarantine partition, in the
 * lake, the landing root and the archive); runs the {@link ErasurePipeline}; and writes the {@link
 * ErasureReceipt} to {@code <lake>/rights/receipts/tenant_id=T/request_id=R/receipt-<seq>.json}
 * (create-if-absent), printing its path and SHA-256. Between the job and the receipt an ERASE plan
 * also erases the purpose and query of the access-log entries about the subject ({@link
 * AccessLogRewrite}; the run itself writes no access-log entry). A failed job throws (exit code 1:
 * run it again, it rolls forward what the failed run committed and redoes the rest).
 *
 * <p>A {@link ErasurePlan.Scope#RESTRICT} plan (records kept but restricted, GDPR Art. 18) is run
 * the same way, with the same staging, manifests and receipt, over the tenant's ops partitions only
 * (in the lake and the landing root; the archive holds no copy a BI tool reads): their masked rows
 * are removed, audit, quarantine and the archive are not listed, so not touched.
 */
public final class ErasureRunner {

    /** The staging area of erasure runs, under the lake root, outside every dataset folder. */
    public static final String STAGING = "_staging/erasure";

    private final ErasureOptions options;

    public ErasureRunner(ErasureOptions options) {
        this.options = options;
    }

    /**
     * What the run did.
     *
     * @param receiptPath where the receipt is
     * @param receiptSha256 SHA-256 of the receipt's bytes (the request log records it)
     * @param receipt the receipt
     * @param alreadyExecuted the receipt existed before this run: nothing was done
     * @param partitionsSearched partition folders searched
     * @param filesSearched files in them
     * @param seconds wall time
     */
    public record Report(
            String receiptPath,
            String receiptSha256,
            ErasureReceipt receipt,
            boolean alreadyExecuted,
            int partitionsSearched,
            long filesSearched,
            double seconds) {

        /** One line for the operator: counts, paths and digests, never a personal value. */
        public String summary() {
            boolean restrict = receipt.scope() == ErasurePlan.Scope.RESTRICT;
            if (alreadyExecuted) {
                return String.format(
                        "ALREADY EXECUTED: %s request %s plan %d has a receipt: %s (sha256 %s)",
                        restrict ? "restriction (RESTRICT plan) of" : "erasure",
                        receipt.requestId(),
                        receipt.planSequence(),
                        receiptPath,
                        receiptSha256);
            }
            return String.format(
                    "DONE: %s request %s plan %d: %,d records %s, %,d files rewritten"
                            + " (%,d partitions, %,d files searched) in %.1f s%s; receipt %s"
                            + " (sha256 %s)",
                    restrict ? "restriction (RESTRICT plan) of" : "erasure",
                    receipt.requestId(),
                    receipt.planSequence(),
                    receipt.recordsErased(),
                    restrict ? "removed from ops/ (audit intact)" : "erased",
                    receipt.files().size(),
                    partitionsSearched,
                    filesSearched,
                    seconds,
                    receipt.warnings().isEmpty()
                            ? ""
                            : ", " + receipt.warnings().size() + " warnings in the receipt",
                    receiptPath,
                    receiptSha256);
        }
    }

    /** The receipt of {@code plan} in {@code lake}. */
    public static Path receiptPath(LakeLayout lake, ErasurePlan plan) {
        return lake.resolve(
                "rights/receipts/tenant_id="
                        + plan.tenantId()
                        + "/request_id="
                        + plan.requestId()
                        + "/receipt-"
                        + plan.sequence()
                        + ".json");
    }

    /** The run id of a plan: the same for every attempt, so a rerun finds what a crash left. */
    static String runId(ErasurePlan plan) {
        return "erasure-" + plan.requestId() + "-" + plan.sequence();
    }

    public Report run(StreamExecutionEnvironment env, PrintStream log) throws Exception {
        long startedNanos = System.nanoTime();
        Instant started = Instant.now().truncatedTo(ChronoUnit.MICROS);
        PlanFile planFile = PlanFile.load(options.plan());
        ErasurePlan plan = planFile.plan();
        Path receiptPath = receiptPath(options.lake(), plan);
        Path runStaging = options.lake().resolve(STAGING + "/" + runId(plan));
        if (receiptPath.getFileSystem().exists(receiptPath)) {
            // a run that died after writing the receipt left its staging folder behind
            runStaging.getFileSystem().delete(runStaging, true);
            byte[] bytes = readAll(receiptPath);
            return new Report(
                    receiptPath.toString(),
                    PlanFile.sha256(bytes),
                    ErasureReceipt.fromJson(bytes, receiptPath.toString()),
                    true,
                    0,
                    0,
                    seconds(startedNanos));
        }
        String runId = runId(plan);
        log.printf(
                "Erasure run %s (%s): request %s plan %d, %,d records of one %s in tenant %s%n",
                runId,
                plan.scope() == ErasurePlan.Scope.RESTRICT
                        ? "RESTRICT: their ops rows only"
                        : "ERASE",
                plan.requestId(),
                plan.sequence(),
                plan.eventIds().size(),
                plan.subjectType().name().toLowerCase(java.util.Locale.ROOT),
                plan.tenantId());
        recoverEarlierRuns(log);
        List<ErasureTask> tasks = plan(plan, runId, runStaging);
        long files = tasks.stream().mapToLong(t -> t.files().size()).sum();
        log.printf(
                "  searching %,d partitions (%,d files, %.1f MB)%n",
                tasks.size(), files, tasks.stream().mapToLong(ErasureTask::bytes).sum() / 1e6);
        Set<String> alreadyErased = new TreeSet<>();
        if (!tasks.isEmpty()) {
            PartitionErasure erasure =
                    new PartitionErasure(
                            options.plan(),
                            planFile.sha256(),
                            started,
                            runStaging.toString(),
                            ParquetSettings.defaults(),
                            options.failAt());
            ErasurePipeline pipeline =
                    new ErasurePipeline(ErasurePipeline.plannedTasks(tasks), erasure);
            try (CloseableIterator<PartitionErasure.Result> done =
                    pipeline.build(env).collectAsync()) {
                JobClient job = env.executeAsync("decision-ledger erasure " + runId);
                while (done.hasNext()) {
                    PartitionErasure.Result r = done.next();
                    alreadyErased.addAll(r.alreadyErased());
                    for (ErasedFile f : r.files()) {
                        log.printf(
                                "  %s %s: %,d of %,d rows erased%n",
                                f.rootLabel(), f.path(), f.rowsErased(), f.rows());
                    }
                }
                job.getJobExecutionResult().get();
            }
        }
        if (plan.scope() == ErasurePlan.Scope.ERASE) {
            // the access-log entries about the subject (their purpose and query may name it)
            AccessLogRewrite.Result accessLog =
                    new AccessLogRewrite(options.lake(), plan, started, runStaging, null).run(log);
            log.printf(
                    "  access log: %,d entries searched, %,d erased by this attempt%n",
                    accessLog.entriesSearched(), accessLog.files().size());
        }
        ErasureReceipt receipt =
                receipt(
                        planFile,
                        doneFiles(runStaging),
                        alreadyErased,
                        started.toString(),
                        Instant.now().truncatedTo(ChronoUnit.MICROS).toString(),
                        options.operator());
        byte[] json = receipt.toJson();
        if (!ExclusiveCreate.create(receiptPath, json)) {
            throw new IllegalStateException(
                    "a receipt for request "
                            + plan.requestId()
                            + " plan "
                            + plan.sequence()
                            + " appeared while this run was erasing (another run of the same"
                            + " plan?): "
                            + receiptPath);
        }
        runStaging.getFileSystem().delete(runStaging, true);
        return new Report(
                receiptPath.toString(),
                PlanFile.sha256(json),
                receipt,
                false,
                tasks.size(),
                files,
                seconds(startedNanos));
    }

    /** The receipt of the files {@code done} records and the records found already erased. */
    static ErasureReceipt receipt(
            PlanFile planFile,
            List<ErasedFile> done,
            Set<String> alreadyErased,
            String startedAt,
            String finishedAt,
            String operator) {
        ErasurePlan plan = planFile.plan();
        boolean restrict = plan.scope() == ErasurePlan.Scope.RESTRICT;
        // what counts as done with a record: its audit record erased (ERASE), its ops row removed
        // from a copy BI reads (RESTRICT)
        String counted = restrict ? Dataset.OPS.label() : Dataset.AUDIT.label();
        Set<String> erased = new TreeSet<>(restrict ? Set.of() : alreadyErased);
        Set<String> fields = new TreeSet<>();
        long layout2 = 0;
        long accessLogLayout1 = 0;
        List<ErasureReceipt.RewrittenFile> files = new ArrayList<>();
        for (ErasedFile f : done) {
            if (f.dataset().equals(counted) && !f.rootLabel().equals("archive")) {
                erased.addAll(f.eventIds());
                layout2 += f.layout2Records();
            }
            if (f.dataset().equals(AccessLogRewrite.DATASET)) {
                accessLogLayout1 += f.layout2Records();
            }
            f.columns().forEach(c -> fields.add(f.dataset() + "." + c));
            files.add(
                    new ErasureReceipt.RewrittenFile(
                            f.rootLabel().equals("lake")
                                    ? f.dataset()
                                    : f.rootLabel() + ":" + f.dataset(),
                            f.path(),
                            f.rows(),
                            f.rowsErased(),
                            f.beforeSha256(),
                            f.afterPath(),
                            f.afterSha256()));
        }
        List<String> warnings = new ArrayList<>();
        if (layout2 > 0) {
            warnings.add(
                    layout2
                            + " records were written under layout 2 (before salted field"
                            + " commitments): their values are erased, but the kept digests are"
                            + " unsalted SHA-256 of the values, from which short values (user id,"
                            + " case id) can be found by trying candidates (schemas/CANONICAL.md"
                            + " section 8)");
        }
        if (accessLogLayout1 > 0) {
            warnings.add(
                    accessLogLayout1
                            + " access-log entries were written under access-log layout 1 (before"
                            + " salted field commitments): their purpose and query are erased, but"
                            + " the kept digests are unsalted SHA-256 of the values, from which a"
                            + " short query (one user id) can be found by trying candidates"
                            + " (schemas/CANONICAL.md section 6)");
        }
        long missing = plan.eventIds().stream().filter(id -> !erased.contains(id)).count();
        if (missing > 0) {
            warnings.add(
                    restrict
                            ? missing
                                    + " event ids of the plan had no row in ops/ (removed by an"
                                    + " earlier plan, deleted by retention, or never stored)"
                            : missing
                                    + " event ids of the plan were not found in audit/ (deleted by"
                                    + " retention, or never stored)");
        }
        return new ErasureReceipt(
                plan.requestId(),
                plan.sequence(),
                plan.tenantId(),
                planFile.sha256(),
                plan.eventIds(),
                plan.eventIds().stream().filter(erased::contains).count(),
                List.copyOf(fields),
                files,
                startedAt,
                finishedAt,
                operator,
                warnings,
                plan.scope());
    }

    /** The {@link ErasedFile}s of the run's committed swaps, this attempt's and earlier ones'. */
    static List<ErasedFile> doneFiles(Path runStaging) throws IOException {
        Path dir = new Path(runStaging, PartitionErasure.DONE);
        FileSystem fs = dir.getFileSystem();
        List<ErasedFile> done = new ArrayList<>();
        if (!fs.exists(dir)) {
            return done;
        }
        FileStatus[] entries = fs.listStatus(dir);
        for (FileStatus e : entries == null ? new FileStatus[0] : entries) {
            String name = e.getPath().getName();
            if (name.endsWith(".json") && !name.startsWith(".")) {
                done.add(
                        PartitionRewrite.fromJson(
                                PartitionRewrite.readText(e.getPath()), ErasedFile.class));
            }
        }
        done.sort(Comparator.comparing(ErasedFile::rootLabel).thenComparing(ErasedFile::path));
        return done;
    }

    /**
     * Finishes every file swap an earlier erasure run committed (a manifest in its staging area),
     * whichever plan it was for: until then its partition shows the old and the new file.
     */
    int recoverEarlierRuns(PrintStream log) throws IOException {
        Path root = options.lake().resolve(STAGING);
        FileSystem fs = root.getFileSystem();
        if (!fs.exists(root)) {
            return 0;
        }
        int accessLogSwaps = AccessLogRewrite.recover(root, log);
        List<Path> manifests = new ArrayList<>();
        findManifests(fs, root, manifests);
        for (Path m : manifests) {
            SwapManifest manifest = PartitionRewrite.readManifest(m);
            PartitionErasure.rollForward(manifest, m, null);
            log.printf(
                    "  finished the interrupted swap of %s %s (run %s)%n",
                    manifest.dataset().label(), manifest.partition(), manifest.runId());
        }
        return manifests.size() + accessLogSwaps;
    }

    private static void findManifests(FileSystem fs, Path dir, List<Path> out) throws IOException {
        FileStatus[] children = fs.listStatus(dir);
        if (children == null) {
            return;
        }
        for (FileStatus c : children) {
            if (c.isDir()) {
                findManifests(fs, c.getPath(), out);
            } else if (c.getPath().getName().equals(SwapManifest.FILE_NAME)) {
                out.add(c.getPath());
            }
        }
    }

    /** The partition folders to search, in every root that holds the lake's datasets. */
    List<ErasureTask> plan(ErasurePlan plan, String runId, Path runStaging) throws IOException {
        Map<String, LakeLayout> roots = new LinkedHashMap<>();
        roots.put("lake", options.lake());
        if (options.landing() != null) {
            roots.put("landing", options.landing());
        }
        boolean restrict = plan.scope() == ErasurePlan.Scope.RESTRICT;
        if (options.archive() != null && !restrict) {
            roots.put("archive", options.archive());
        }
        List<Dataset> datasets = restrict ? List.of(Dataset.OPS) : List.of(Dataset.values());
        List<ErasureTask> tasks = new ArrayList<>();
        for (Map.Entry<String, LakeLayout> root : roots.entrySet()) {
            for (Dataset dataset : datasets) {
                Path base = root.getValue().resolve(dataset.directory());
                List<String> partitions = new ArrayList<>();
                if (dataset.perTenant()) {
                    String tenantDir = "tenant_id=" + plan.tenantId();
                    for (String date : folders(new Path(base, tenantDir), "event_date=")) {
                        partitions.add(tenantDir + "/" + date);
                    }
                } else {
                    partitions.addAll(folders(base, "ingest_date="));
                }
                for (String partition : partitions) {
                    List<PartitionTask.FileRef> files = files(new Path(base, partition));
                    if (files.isEmpty()) {
                        continue;
                    }
                    tasks.add(
                            new ErasureTask(
                                    root.getValue().root(),
                                    root.getKey(),
                                    dataset,
                                    partition,
                                    files,
                                    new Path(
                                                    runStaging,
                                                    root.getKey()
                                                            + "/"
                                                            + dataset.label()
                                                            + "/"
                                                            + partition)
                                            .toString(),
                                    runId));
                }
            }
        }
        return tasks;
    }

    private static List<String> folders(Path dir, String prefix) throws IOException {
        FileSystem fs = dir.getFileSystem();
        List<String> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        FileStatus[] children = fs.listStatus(dir);
        for (FileStatus c : children == null ? new FileStatus[0] : children) {
            if (c.isDir() && c.getPath().getName().startsWith(prefix)) {
                out.add(c.getPath().getName());
            }
        }
        out.sort(null);
        return out;
    }

    /** The committed Parquet files directly in a partition folder (hidden in-progress skipped). */
    private static List<PartitionTask.FileRef> files(Path partition) throws IOException {
        FileSystem fs = partition.getFileSystem();
        List<PartitionTask.FileRef> out = new ArrayList<>();
        FileStatus[] children = fs.listStatus(partition);
        for (FileStatus c : children == null ? new FileStatus[0] : children) {
            String name = c.getPath().getName();
            if (!c.isDir()
                    && name.endsWith(".parquet")
                    && !name.startsWith(".")
                    && !name.startsWith("_")) {
                out.add(new PartitionTask.FileRef(c.getPath().toString(), c.getLen()));
            }
        }
        out.sort(Comparator.comparing(PartitionTask.FileRef::path));
        return out;
    }

    private static byte[] readAll(Path file) throws IOException {
        try (InputStream in = file.getFileSystem().open(file)) {
            return in.readAllBytes();
        }
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }
}
