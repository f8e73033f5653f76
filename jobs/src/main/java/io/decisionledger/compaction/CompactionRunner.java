package io.decisionledger.compaction;

import io.decisionledger.monitoring.ProgressLog;
import io.decisionledger.retention.LegalHolds;
import io.decisionledger.retention.PartitionRetainer;
import io.decisionledger.retention.RetentionPlanner;
import io.decisionledger.retention.RetentionPolicy;
import io.decisionledger.retention.RetentionTask;
import io.decisionledger.rewrite.MergedFileWriter;
import io.decisionledger.rewrite.PartitionResult;
import io.decisionledger.rewrite.PartitionResult.Outcome;
import io.decisionledger.rewrite.PartitionSlice;
import io.decisionledger.rewrite.PartitionTask;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * The client side of a compaction run, before and after the Flink job: finishes what crashed
 * earlier runs committed ({@link CompactionPlanner#recoverEarlierRuns}), plans the partitions past
 * retention ({@link RetentionPlanner}) and the closed partitions to merge, then either prints the
 * plan (dry run) or runs the {@link CompactionPipeline} on it, printing a line as each partition
 * completes, and sums everything into the {@link CompactionReport}. A failed job throws (exit code
 * 1: run it again, it finishes or discards what the failed run left).
 */
public final class CompactionRunner {

    private final CompactionOptions options;
    private java.time.Duration progressEvery = ProgressLog.EVERY;

    public CompactionRunner(CompactionOptions options) {
        this.options = options;
    }

    /** Tests only: the interval of the progress lines (5 s). */
    CompactionRunner progressEvery(java.time.Duration every) {
        this.progressEvery = every;
        return this;
    }

    /** What the run found to do before the job starts. */
    private record Plan(
            List<PartitionResult> rolledForward,
            List<RetentionTask> expired,
            List<PartitionTask> merges,
            RetentionPolicy policy,
            LegalHolds holds,
            Map<String, Long> tenantHoldRows,
            PartitionRetainer retainer) {}

    /** Plans, runs the rewrite on {@code env} (unless a dry run) and reports; progress to log. */
    public CompactionReport run(StreamExecutionEnvironment env, PrintStream log) throws Exception {
        long started = System.nanoTime();
        log.printf(
                "Compaction run %s%s: %s partitions dated %s or earlier, %s -> %s%n",
                options.runId(),
                options.dryRun() ? " (dry run)" : "",
                options.datasets(),
                options.newestClosedDate(),
                options.landing(),
                options.lake());
        Plan plan = plan(log);
        List<PartitionResult> results = new ArrayList<>(plan.rolledForward());
        if (options.dryRun()) {
            results.addAll(dryRun(plan, log));
        } else {
            results.addAll(execute(env, plan, log));
        }
        List<CompactionReport.HoldCount> holds =
                options.retention() && !options.dryRun()
                        ? holdCounts(plan, results, options.tenant(), log)
                        : List.of();
        return CompactionReport.of(
                options.runId(),
                options.dryRun(),
                results,
                plan.rolledForward().size(),
                (System.nanoTime() - started) / 1e9,
                holds);
    }

    /**
     * A line per legal hold (of {@code tenant} when the run is limited to one) with the records
     * past retention it kept, and a warning for each that kept none: a hold is named by its id and
     * scope, never by the user or case it names. Deletions rolled forward from an earlier run are
     * not counted (their rows were judged by that run).
     */
    private static List<CompactionReport.HoldCount> holdCounts(
            Plan plan, List<PartitionResult> results, String tenant, PrintStream log) {
        Map<String, Long> kept = new TreeMap<>(plan.tenantHoldRows());
        for (PartitionResult r : results) {
            r.heldByHold().forEach((id, n) -> kept.merge(id, n, Long::sum));
        }
        List<CompactionReport.HoldCount> counts = new ArrayList<>();
        for (LegalHolds.Hold h : plan.holds().holds()) {
            if (tenant != null && !tenant.equals(h.tenantId())) {
                continue; // --tenant: the other tenants' holds had nothing to keep in this run
            }
            long n = kept.getOrDefault(h.id(), 0L);
            counts.add(new CompactionReport.HoldCount(h.id(), h.scope(), n));
            if (n > 0) {
                log.printf(
                        "  legal hold %s (%s hold): kept %,d records past retention%n",
                        h.id(), h.scope(), n);
            } else {
                log.printf(
                        "  WARNING: legal hold %s (%s hold) kept no record past retention in this"
                                + " run; if it should protect expired records, check its"
                                + " tenant_id and %s%n",
                        h.id(),
                        h.scope(),
                        h.tenantWide() ? "the tenant's partitions" : h.scope() + "_id");
            }
        }
        return counts;
    }

    private Plan plan(PrintStream log) throws IOException {
        CompactionPlanner planner = new CompactionPlanner(options);
        RetentionPolicy policy = options.retentionPolicy();
        // CompactionOptions refuses a retention run with neither --legal-holds nor
        // --no-legal-holds, so "none" here is always what the operator said
        LegalHolds holds =
                options.legalHolds() == null
                        ? LegalHolds.none()
                        : LegalHolds.load(options.legalHolds());
        PartitionRetainer retainer = retainer(options, policy, holds);
        List<PartitionResult> rolledForward =
                planner.recoverEarlierRuns(log, options.retention() ? retainer : null);
        RetentionPlanner.Plan retention = RetentionPlanner.Plan.none();
        Map<String, Long> tenantHoldRows = Map.of();
        if (options.retention()) {
            log.printf(
                    "Retention: %s, %s%s%n",
                    policy,
                    options.noLegalHolds()
                            ? "no legal holds (--no-legal-holds)"
                            : holds.holds().size() + " legal holds",
                    options.archive() == null ? "" : ", archive " + options.archive());
            log.println(
                    options.signing().enabled()
                            ? "  summaries and chain anchors signed with "
                                    + options.signing().key().describe()
                            : "  WARNING: summaries and chain anchors are written UNSIGNED; set"
                                    + " --signing-key FILE --signing-key-id ID (docs/operator-guide.md,"
                                    + " 'Signed chain heads')");
            RetentionPlanner retentionPlanner = planner.retentionPlanner(policy, holds);
            retention = retentionPlanner.plan(options.datasets(), options.tenant(), log);
            tenantHoldRows = retentionPlanner.tenantHoldRows();
        }
        return new Plan(
                rolledForward,
                retention.tasks(),
                planner.plan(retention),
                policy,
                holds,
                tenantHoldRows,
                retainer);
    }

    /** Prints what the run would do and returns it as PLANNED results; changes nothing. */
    private List<PartitionResult> dryRun(Plan plan, PrintStream log) {
        List<PartitionResult> planned = new ArrayList<>();
        for (RetentionTask t : plan.expired()) {
            log.printf(
                    "  would delete %s past retention (%s): %d files (%.2f MB)%s%s%n",
                    t.label(),
                    t.tenantId() == null
                            ? "rows whose tenant's period ran out"
                            : plan.policy().periodOf(t.tenantId()),
                    t.sourceFiles(),
                    t.sourceBytes() / 1e6,
                    options.archive() == null ? "" : ", archived first",
                    plan.holds().holds().isEmpty()
                            ? ""
                            : ", keeping rows under user or case holds");
            planned.add(
                    new PartitionResult(
                            t.parts().get(0).dataset(),
                            t.label(),
                            Outcome.PLANNED_DELETE,
                            t.sourceFiles(),
                            t.sourceBytes(),
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0));
        }
        for (PartitionTask t : plan.merges()) {
            log.printf(
                    "  would merge %s %s: %d files (%.2f MB)%s%n",
                    t.dataset().label(),
                    t.partition(),
                    t.sources().size(),
                    t.sourceBytes() / 1e6,
                    t.staleInProgress().isEmpty()
                            ? ""
                            : ", remove "
                                    + t.staleInProgress().size()
                                    + " stale in-progress files");
            planned.add(
                    new PartitionResult(
                            t.dataset(),
                            t.partition(),
                            Outcome.PLANNED,
                            t.sources().size(),
                            t.sourceBytes(),
                            0,
                            0,
                            0,
                            t.staleInProgress().size(),
                            0));
        }
        return planned;
    }

    /** Runs the pipeline on the planned work and collects a result per partition as it ends. */
    private List<PartitionResult> execute(
            StreamExecutionEnvironment env, Plan plan, PrintStream log) throws Exception {
        List<PartitionResult> results = new ArrayList<>();
        if (plan.merges().isEmpty() && plan.expired().isEmpty()) {
            return results;
        }
        log.printf(
                "  %,d partitions to compact, %,d past retention%n",
                plan.merges().size(), plan.expired().size());
        Map<String, Split> splits = splits(plan.merges(), env.getParallelism(), log);
        PartitionCompactor compactor = PartitionCompactor.of(options);
        CompactionPipeline pipeline =
                new CompactionPipeline(
                        CompactionPipeline.plannedWork(
                                CompactionPipeline.inStartOrder(
                                        plan.expired(),
                                        plan.merges(),
                                        t -> {
                                            Split s = splits.get(key(t));
                                            return s == null ? List.of() : s.slices;
                                        })),
                        compactor,
                        plan.retainer());
        long totalBytes =
                plan.merges().stream().mapToLong(PartitionTask::sourceBytes).sum()
                        + plan.expired().stream().mapToLong(RetentionTask::sourceBytes).sum();
        try (CloseableIterator<PartitionResult> done = pipeline.build(env).collectAsync()) {
            JobClient job = env.executeAsync(CompactionJob.JOB_NAME);
            int totalPartitions = plan.merges().size() + plan.expired().size();
            long started = System.nanoTime();
            try (ProgressLog progress =
                    ProgressLog.start(
                            "compaction-progress",
                            job,
                            progressEvery,
                            log,
                            progressLine(totalPartitions, totalBytes))) {
                while (done.hasNext()) {
                    PartitionResult r = done.next();
                    Split split = r.outcome() == Outcome.SLICE_STAGED ? splits.get(key(r)) : null;
                    if (split != null) {
                        // published here, once, when every slice is staged; a slice replayed
                        // after a failover reports again, so the slices' manifests, not the
                        // reports, decide
                        split.slowest = Math.max(split.slowest, r.millis());
                        if (split.published
                                || ++split.reports < split.slices.size()
                                || !compactor.slicesStaged(split.task, split.slices.size())) {
                            continue;
                        }
                        try {
                            r = compactor.commitSlices(split.task, split.slices.size());
                        } catch (IOException | RuntimeException e) {
                            job.cancel();
                            throw e;
                        }
                        split.published = true;
                        // the slices ran side by side: the partition took the slowest one and
                        // the swap
                        r =
                                new PartitionResult(
                                        r.dataset(),
                                        r.partition(),
                                        r.outcome(),
                                        r.filesBefore(),
                                        r.bytesBefore(),
                                        r.filesAfter(),
                                        r.bytesAfter(),
                                        r.rows(),
                                        r.staleRemoved(),
                                        split.slowest + r.millis());
                        log.println(r.progressLine() + ", in " + split.slices.size() + " slices");
                    } else {
                        log.println(r.progressLine());
                    }
                    results.add(r);
                }
            }
            // the last line: the job's final counts, the rate over the whole job
            log.println(
                    progressLine(totalPartitions, totalBytes)
                            .of(
                                    job.getJobExecutionResult().get().getAllAccumulatorResults(),
                                    (System.nanoTime() - started) / 1e9));
        }
        for (Split split : splits.values()) {
            if (!split.published) {
                throw new IllegalStateException(
                        "the slices of "
                                + key(split.task)
                                + " were not all staged; nothing of it was published (run again"
                                + " with the same --run-id)");
            }
        }
        return results;
    }

    /**
     * The progress line, printed every {@link #progressEvery} (5 s) and once at the end: partitions
     * done of the total, their source bytes of the total, rows read (partitions in progress
     * included) and the rate since the last line; the same counts are Flink metrics of the
     * rewriting subtasks ({@link CompactPartition#METRIC_PARTITIONS}, {@link
     * CompactPartition#METRIC_BYTES}, {@link CompactPartition#METRIC_ROWS_READ}).
     */
    private static ProgressLog.Line progressLine(int totalPartitions, long totalBytes) {
        ProgressLog.Rate rate = new ProgressLog.Rate();
        return (acc, seconds) -> {
            long rows = ProgressLog.count(acc, CompactPartition.ROWS_READ_ACCUMULATOR);
            return String.format(
                    "  ... %,d of %,d partitions done (%.1f of %.1f MB), %,d rows"
                            + " read (%,.0f rows/s)",
                    ProgressLog.count(acc, CompactPartition.PARTITIONS_ACCUMULATOR),
                    totalPartitions,
                    ProgressLog.count(acc, CompactPartition.BYTES_ACCUMULATOR) / 1e6,
                    totalBytes / 1e6,
                    rows,
                    rate.perSecond(rows, seconds));
        };
    }

    /** A hot partition merged in slices, and what its slice tasks reported so far. */
    private static final class Split {
        final PartitionTask task;
        final List<PartitionSlice> slices;
        int reports;
        long slowest;
        boolean published;

        Split(PartitionTask task, List<PartitionSlice> slices) {
            this.task = task;
            this.slices = slices;
        }
    }

    private static String key(PartitionTask t) {
        return t.dataset().label() + " " + t.partition();
    }

    private static String key(PartitionResult r) {
        return r.dataset().label() + " " + r.partition();
    }

    /**
     * The partitions merged in slices on a job of {@code parallelism}: those above {@code
     * --split-bytes}, cut into key ranges from a sample of their keys ({@link
     * PartitionSlice#plan}).
     */
    private Map<String, Split> splits(List<PartitionTask> merges, int parallelism, PrintStream log)
            throws IOException {
        Map<String, Split> splits = new HashMap<>();
        for (PartitionTask t : merges) {
            int wanted = options.slicesFor(t.sourceBytes(), parallelism);
            if (wanted < 2) {
                continue;
            }
            List<PartitionSlice> slices =
                    PartitionSlice.plan(t, wanted, PartitionSlice.SAMPLE_BYTES);
            if (slices.size() > 1) {
                splits.put(key(t), new Split(t, slices));
                log.printf(
                        "  %s %s: %.2f MB, merged in %d slices by user range%n",
                        t.dataset().label(), t.partition(), t.sourceBytes() / 1e6, slices.size());
            }
        }
        return splits;
    }

    /**
     * The run's retainer: what it needs of the options, and the digest of the holds planned with.
     */
    static PartitionRetainer retainer(
            CompactionOptions options, RetentionPolicy policy, LegalHolds holds) {
        return new PartitionRetainer(
                        options.lake(),
                        policy,
                        options.asOf(),
                        options.legalHolds(),
                        holds.sha256(),
                        options.archive(),
                        new MergedFileWriter(options.parquet(), options.targetFileBytes()),
                        options.failAt())
                .sortedBy(options.sortedRewrite())
                .signedWith(options.signing().key());
    }
}
