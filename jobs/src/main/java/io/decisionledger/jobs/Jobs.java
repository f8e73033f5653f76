package io.decisionledger.jobs;

import io.decisionledger.compaction.CompactionJob;
import io.decisionledger.ingest.IngestJob;
import io.decisionledger.metrics.MetricsJob;
import io.decisionledger.metrics.TodayDashboard;
import io.decisionledger.models.ModelsReport;
import io.decisionledger.replay.ReplayJob;
import io.decisionledger.verify.VerifyJob;
import java.util.Arrays;

/**
 * The job jar's {@code Main-Class}: {@code flink run decision-ledger-jobs-*.jar <job> [options]},
 * the same as {@code flink run -c <JobClass> decision-ledger-jobs-*.jar [options]}. It only
 * dispatches to the jobs and the two read-only reports; it starts no process and no service, so a
 * REST {@code /jars/<id>/run} without an entry class can run nothing but a job.
 */
public final class Jobs {

    private Jobs() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            System.out.println(usage());
            if (args.length == 0) {
                System.exit(2);
            }
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "ingest" -> IngestJob.main(rest);
            case "metrics" -> MetricsJob.main(rest);
            case "compact" -> CompactionJob.main(rest);
            case "verify" -> VerifyJob.main(rest);
            case "replay" -> ReplayJob.main(rest);
            case "metrics-today" -> TodayDashboard.main(rest);
            case "models-report" -> ModelsReport.main(rest);
            default -> {
                System.err.println("unknown job '" + args[0] + "'\n\n" + usage());
                System.exit(2);
            }
        }
    }

    public static String usage() {
        return """
                decision-ledger jobs: flink run decision-ledger-jobs-*.jar <job> [options]
                  (or: flink run -c <job class> decision-ledger-jobs-*.jar [options])

                  ingest         IngestJob (io.decisionledger.ingest.IngestJob): Kafka -> audit, ops, quarantine
                  metrics        MetricsJob (io.decisionledger.metrics.MetricsJob): the metrics read models,
                                 live from Kafka or '--source lake' to rebuild from the audit lake
                  compact        CompactionJob (io.decisionledger.compaction.CompactionJob): merge closed
                                 partitions, apply retention and legal holds
                  verify         VerifyJob (io.decisionledger.verify.VerifyJob): check the hash chains
                  replay         ReplayJob (io.decisionledger.replay.ReplayJob): re-send stored decisions
                                 to an OpenAI-compatible endpoint and compare
                  metrics-today  a day's decisions per tenant and model, from the metrics read model
                  models-report  decisions stored without a registered (or certified) model card

                '<job> --help' lists a job's options.""";
    }
}
