package io.decisionledger.compaction;

import io.decisionledger.retention.LegalHolds;
import io.decisionledger.retention.RetentionPolicy;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * The scheduled batch job that keeps the lake readable: it merges the many small files the
 * streaming ingest leaves in every closed partition (one per open partition per subtask per
 * checkpoint) of audit/, ops/ and quarantine/ into a few large files sorted for point lookups, with
 * bloom filters and row-group statistics, verified row by row before anything is removed.
 *
 * <p>The client plans (finishes swaps interrupted by an earlier crash, lists closed partitions);
 * the Flink job rewrites one partition per record in parallel ({@link CompactPartition}); the
 * client prints a line as each partition completes and a final report. The swap protocol is in
 * {@link PartitionCompactor}. Exit code 0 when every partition is done, 1 when the job failed (run
 * it again: it finishes or discards what the failed run left), 2 for bad options.
 */
public final class CompactionJob {

    public static final String JOB_NAME = "decision-ledger compaction";

    /** What a run did, summed over partitions. */
    public record Report(
            String runId,
            boolean dryRun,
            int partitions,
            int rolledForward,
            long filesBefore,
            long filesAfter,
            long bytesBefore,
            long bytesAfter,
            long rows,
            long staleRemoved,
            int retentionPartitions,
            long deletedRows,
            long heldRows,
            double seconds,
            List<PartitionResult> results) {

        public String summary() {
            if (dryRun) {
                return String.format(
                        "DRY RUN %s: %,d partitions, %,d files (%.1f MB) would be merged,"
                                + " %,d stale in-progress files removed, %,d partitions past"
                                + " retention would be deleted",
                        runId,
                        partitions - retentionPartitions,
                        filesBefore,
                        bytesBefore / 1e6,
                        staleRemoved,
                        retentionPartitions);
            }
            return retentionLine()
                    + String.format(
                            "DONE %s: %,d partitions (%d rolled forward), files %,d -> %,d, %.1f MB -> %.1f MB,"
                                    + " %,d rows, %,d stale in-progress files removed, %.1f s (%.1f MB/s, %,.0f rows/s)",
                            runId,
                            partitions,
                            rolledForward,
                            filesBefore,
                            filesAfter,
                            bytesBefore / 1e6,
                            bytesAfter / 1e6,
                            rows,
                            staleRemoved,
                            seconds,
                            seconds > 0 ? bytesBefore / 1e6 / seconds : 0,
                            seconds > 0 ? rows / seconds : 0);
        }

        private String retentionLine() {
            return retentionPartitions == 0
                    ? ""
                    : String.format(
                            "RETENTION %s: %,d partitions past retention, %,d rows deleted"
                                    + " (summarised in summaries/), %,d kept under legal hold or"
                                    + " not yet expired%n",
                            runId, retentionPartitions, deletedRows, heldRows);
        }
    }

    private final CompactionOptions options;

    public CompactionJob(CompactionOptions options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        CompactionOptions options = CompactionOptions.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        // the options in Flink's web UI
        env.getConfig().setGlobalJobParameters(Configuration.fromMap(options.jobParameters()));
        Report report = new CompactionJob(options).run(env, System.out);
        System.out.println(report.summary());
    }

    /** Plans, runs the rewrite on {@code env} (unless a dry run) and reports; progress to log. */
    public Report run(StreamExecutionEnvironment env, PrintStream log) throws Exception {
        long started = System.nanoTime();
        CompactionPlanner planner = new CompactionPlanner(options);
        log.printf(
                "Compaction run %s%s: %s partitions dated %s or earlier, %s -> %s%n",
                options.runId(),
                options.dryRun() ? " (dry run)" : "",
                options.datasets(),
                options.newestClosedDate(),
                options.landing(),
                options.lake());
        RetentionPolicy policy = options.retentionPolicy();
        LegalHolds holds =
                options.legalHolds() == null
                        ? LegalHolds.none()
                        : LegalHolds.load(options.legalHolds());
        PartitionRetainer retainer = PartitionRetainer.of(options, policy, holds);
        List<PartitionResult> results =
                new ArrayList<>(
                        planner.recoverEarlierRuns(log, options.retention() ? retainer : null));
        int rolledForward = results.size();
        List<RetentionTask> expired = List.of();
        if (options.retention()) {
            log.printf(
                    "Retention: %s, %d legal holds%s%n",
                    policy,
                    holds.holds().size(),
                    options.archive() == null ? "" : ", archive " + options.archive());
            expired = planner.planRetention(policy, holds, log);
        }
        List<PartitionTask> tasks = planner.plan();
        if (options.dryRun()) {
            for (RetentionTask t : expired) {
                log.printf(
                        "  would delete %s past retention (%s): %d files (%.2f MB)%s%s%n",
                        t.label(),
                        t.tenantId() == null
                                ? "rows whose tenant's period ran out"
                                : policy.periodOf(t.tenantId()),
                        t.sourceFiles(),
                        t.sourceBytes() / 1e6,
                        options.archive() == null ? "" : ", archived first",
                        holds.holds().isEmpty() ? "" : ", keeping rows under user or case holds");
                results.add(
                        new PartitionResult(
                                t.parts().get(0).dataset(),
                                t.label(),
                                "PLANNED_DELETE",
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
            for (PartitionTask t : tasks) {
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
                results.add(
                        new PartitionResult(
                                t.dataset(),
                                t.partition(),
                                "PLANNED",
                                t.sources().size(),
                                t.sourceBytes(),
                                0,
                                0,
                                0,
                                t.staleInProgress().size(),
                                0));
            }
            return report(results, rolledForward, started);
        }
        if (!tasks.isEmpty() || !expired.isEmpty()) {
            log.printf(
                    "  %,d partitions to compact, %,d past retention%n",
                    tasks.size(), expired.size());
            try (CloseableIterator<String> done =
                    build(env, tasks, expired, retainer).collectAsync()) {
                JobClient job = env.executeAsync(JOB_NAME);
                while (done.hasNext()) {
                    PartitionResult r = PartitionResult.fromJson(done.next());
                    log.println(r.progressLine());
                    results.add(r);
                }
                job.getJobExecutionResult().get();
            }
        }
        return report(results, rolledForward, started);
    }

    /** The job graph: planned partitions, spread over the slots, each rewritten by one task. */
    DataStream<String> build(
            StreamExecutionEnvironment env,
            List<PartitionTask> tasks,
            List<RetentionTask> expired,
            PartitionRetainer retainer) {
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        // Deletions first (they are due), then merges largest first, so a big partition does not
        // start last and hold up the end of the run.
        List<String> json = new ArrayList<>();
        expired.forEach(t -> json.add(CompactPartition.RETAIN + t.toJson()));
        tasks.stream()
                .sorted((a, b) -> Long.compare(b.sourceBytes(), a.sourceBytes()))
                .forEach(t -> json.add(CompactPartition.COMPACT + t.toJson()));
        return env.fromData(json, Types.STRING)
                .name("closed-partitions")
                .uid("closed-partitions")
                .rebalance()
                .map(new CompactPartition(PartitionCompactor.of(options), retainer))
                .name("compact-partition")
                .uid("compact-partition");
    }

    private Report report(List<PartitionResult> results, int rolledForward, long started) {
        return new Report(
                options.runId(),
                options.dryRun(),
                results.size(),
                rolledForward,
                results.stream().mapToLong(PartitionResult::filesBefore).sum(),
                results.stream().mapToLong(PartitionResult::filesAfter).sum(),
                results.stream().mapToLong(PartitionResult::bytesBefore).sum(),
                results.stream().mapToLong(PartitionResult::bytesAfter).sum(),
                results.stream().mapToLong(PartitionResult::rows).sum(),
                results.stream().mapToLong(PartitionResult::staleRemoved).sum(),
                (int)
                        results.stream()
                                .filter(r -> r.retention() || r.outcome().equals("PLANNED_DELETE"))
                                .count(),
                results.stream().mapToLong(PartitionResult::deleted).sum(),
                results.stream().mapToLong(PartitionResult::held).sum(),
                (System.nanoTime() - started) / 1e9,
                List.copyOf(results));
    }
}
