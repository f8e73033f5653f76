package io.decisionledger.jobs;

import io.decisionledger.compaction.CompactionJob;
import io.decisionledger.erasure.ErasureJob;
import io.decisionledger.ingest.IngestJob;
import io.decisionledger.metrics.MetricsJob;
import io.decisionledger.metrics.TodayDashboard;
import io.decisionledger.models.ModelsReport;
import io.decisionledger.options.Command;
import io.decisionledger.options.Commands;
import io.decisionledger.options.Exit;
import io.decisionledger.replay.ReplayJob;
import io.decisionledger.verify.VerifyJob;

/**
 * The job jar's {@code Main-Class}: {@code flink run decision-ledger-jobs-*.jar <job> [options]},
 * the same as {@code flink run -c <JobClass> decision-ledger-jobs-*.jar [options]}. It only
 * dispatches to the jobs, the two read-only reports and the request evaluation ({@code rights}); it
 * starts no process and no service, so a REST {@code /jars/<id>/run} without an entry class can run
 * nothing but a job. No job or an unknown one exits 2, like an unknown option.
 */
public final class Jobs {

    private static final Commands JOBS =
            new Commands(
                            """
                            decision-ledger jobs: flink run decision-ledger-jobs-*.jar <job> [options]
                              (or: flink run -c <job class> decision-ledger-jobs-*.jar [options])

                            """,
                            "\n'<job> --help' lists a job's options.\n",
                            Command.BAD_OPTIONS)
                    .addMain(
                            "ingest",
                            "IngestJob (io.decisionledger.ingest.IngestJob): Kafka -> audit, ops,"
                                    + " quarantine",
                            IngestJob::main)
                    .addMain(
                            "metrics",
                            "MetricsJob (io.decisionledger.metrics.MetricsJob): the metrics read"
                                    + " models,\nlive from Kafka or '--source lake' to rebuild from"
                                    + " the audit lake",
                            MetricsJob::main)
                    .addMain(
                            "compact",
                            "CompactionJob (io.decisionledger.compaction.CompactionJob): merge"
                                    + " closed\npartitions, apply retention and legal holds",
                            CompactionJob::main)
                    .addMain(
                            "erasure",
                            "ErasureJob (io.decisionledger.erasure.ErasureJob): execute an erasure"
                                    + " plan\n(GDPR Art. 17) and write its receipt",
                            ErasureJob::main)
                    .addMain(
                            "verify",
                            "VerifyJob (io.decisionledger.verify.VerifyJob): check the hash chains",
                            VerifyJob::main)
                    .addMain(
                            "replay",
                            "ReplayJob (io.decisionledger.replay.ReplayJob): re-send stored"
                                    + " decisions\nto an OpenAI-compatible endpoint and compare",
                            ReplayJob::main)
                    .addMain(
                            "metrics-today",
                            "a day's decisions per tenant and model, from the metrics read model",
                            TodayDashboard::main)
                    .addMain(
                            "models-report",
                            "decisions stored without a registered (or certified) model card",
                            ModelsReport::main)
                    .addMain(
                            "rights",
                            "evaluate data-subject erasure requests (obligations, legal holds) and"
                                    + "\nwrite erasure plans: rights evaluate|due",
                            io.decisionledger.retention.ErasureRequests::main);

    private Jobs() {}

    public static void main(String[] args) throws Exception {
        // Exits only on failure: a JobManager may run this main itself (REST /jars/<id>/run).
        Exit.onFailure(JOBS.run(args, Exit.out(), Exit.err()));
    }

    public static String usage() {
        return JOBS.usage();
    }
}
