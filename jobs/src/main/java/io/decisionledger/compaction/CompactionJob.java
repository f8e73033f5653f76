package io.decisionledger.compaction;

import io.decisionledger.options.Exit;
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
 * past retention (the run is done; check the hold file).
 */
public final class CompactionJob {

    public static final String JOB_NAME = "decision-ledger compaction";

    /** Exit code with {@code --strict} when a legal hold kept no record (the run is done). */
    public static final int UNMATCHED_HOLD = 3;

    private CompactionJob() {}

    public static void main(String[] args) throws Exception {
        CompactionOptions options = CompactionOptions.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        // the options in Flink's web UI
        env.getConfig().setGlobalJobParameters(Configuration.fromMap(options.jobParameters()));
        CompactionReport report = new CompactionRunner(options).run(env, System.out);
        System.out.println(report.summary());
        if (options.strict() && !report.unmatchedHolds().isEmpty()) {
            Exit.with(
                    UNMATCHED_HOLD,
                    report.unmatchedHolds().size()
                            + " legal holds kept no record past retention (--strict)");
        }
    }
}
