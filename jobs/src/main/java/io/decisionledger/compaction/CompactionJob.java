package io.decisionledger.compaction;

import io.decisionledger.monitoring.RunMetrics;
import io.decisionledger.monitoring.RunMetricsPublisher;
import io.decisionledger.options.Exit;
import io.decisionledger.options.RunMetricsOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The scheduled batch job that keeps the lake readable: it merges the many small files the
 * streaming ingest leaves in every closed partition (one per open partition per subtask per
 * checkpoint) of audit/, ops/ and quarantine/ into a few large files sorted for point lookups, with
 * bloom filters and row-group statistics, verified row by row before anything is removed; and, in
 * the same run, deletes what is past retention, keeping what legal holds protect.
 *
 * <p>{@code main} parses the options; the {@link CompactionRunner} plans on the client, runs the
 * {@link CompactionPipeline} (one partition per record, rewritten in parallel) and reports. The
 * swap protocol is the crash-safe partition rewrite ({@link io.decisionledger.rewrite}). Exit code
 * 0 when every partition is done, 1 when the job failed (run it again: it finishes or discards what
 * the failed run left), 2 for bad options, 3 with {@code --strict} when a legal hold kept no record
 * past retention (the run is done; check the hold file). With {@code --pushgateway-url} or {@code
 * --metrics-textfile} the run's outcome, duration and volumes go to monitoring when it ends ({@link
 * #runMetrics}); a dry run publishes nothing.
 */
public final class CompactionJob {

    public static final String JOB_NAME = "decision-ledger compaction";

    /** Exit code with {@code --strict} when a legal hold kept no record (the run is done). */
    public static final int UNMATCHED_HOLD = 3;

    /** The {@code run} label of its metrics. */
    public static final String RUN = "compaction";

    private CompactionJob() {}

    /**
     * What a finished run reports to monitoring: the common run gauges, the merge's volumes and the
     * retention step's counts (retention runs inside compaction).
     */
    public static RunMetrics runMetrics(CompactionReport report, int exitCode, long endedAtMillis) {
        RunMetrics m = RunMetrics.of(RUN, exitCode, report.seconds(), endedAtMillis);
        m.gauge(RunMetrics.BYTES_READ, "Bytes of lake files the run read.", report.bytesBefore())
                .gauge(
                        RunMetrics.BYTES_WRITTEN,
                        "Bytes of lake files the run wrote.",
                        report.bytesAfter())
                .gauge(RunMetrics.RECORDS, "Records the run read.", report.rows())
                .gauge(
                        "decision_ledger_compaction_partitions",
                        "Partitions merged or deleted by the run.",
                        report.partitions())
                .gauge(
                        "decision_ledger_compaction_files_before",
                        "Small files the run merged.",
                        report.filesBefore())
                .gauge(
                        "decision_ledger_compaction_files_after",
                        "Files the run wrote in their place.",
                        report.filesAfter())
                .gauge(
                        "decision_ledger_retention_partitions",
                        "Partitions past retention the run handled.",
                        report.retentionPartitions())
                .gauge(
                        "decision_ledger_retention_rows_deleted",
                        "Rows past retention the run deleted (summarised first).",
                        report.deletedRows())
                .gauge(
                        "decision_ledger_retention_rows_held",
                        "Rows past retention a legal hold (or a later expiry) kept.",
                        report.heldRows())
                .gauge(
                        "decision_ledger_retention_holds_unmatched",
                        "Legal holds that kept no record in this run (a mistyped id?).",
                        report.unmatchedHolds().size());
        return m;
    }

    public static void main(String[] args) throws Exception {
        CompactionOptions options = CompactionOptions.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        // the options in Flink's web UI
        env.getConfig().setGlobalJobParameters(Configuration.fromMap(options.jobParameters()));
        RunMetricsPublisher monitoring =
                new RunMetricsPublisher(
                        options.dryRun()
                                ? RunMetricsPublisher.Target.none()
                                : RunMetricsOptions.fromArgsOrExit(args));
        long started = System.nanoTime();
        CompactionReport report;
        try {
            report = new CompactionRunner(options).run(env, System.out);
        } catch (Exception e) {
            monitoring.publish(
                    RunMetrics.of(
                            RUN,
                            1,
                            (System.nanoTime() - started) / 1e9,
                            System.currentTimeMillis()),
                    System.out);
            throw e;
        }
        System.out.println(report.summary());
        boolean unmatched = options.strict() && !report.unmatchedHolds().isEmpty();
        monitoring.publish(
                runMetrics(report, unmatched ? UNMATCHED_HOLD : 0, System.currentTimeMillis()),
                System.out);
        if (unmatched) {
            Exit.with(
                    UNMATCHED_HOLD,
                    report.unmatchedHolds().size()
                            + " legal holds kept no record past retention (--strict)");
        }
    }
}
