package io.decisionledger.cli;

import io.decisionledger.audit.AuditApi;
import io.decisionledger.audit.AuditCommand;
import io.decisionledger.compaction.CompactionJob;
import io.decisionledger.ingest.IngestJob;
import io.decisionledger.metrics.MetricsJob;
import io.decisionledger.metrics.TodayDashboard;
import io.decisionledger.models.ModelsReport;
import io.decisionledger.options.OptionTable;
import io.decisionledger.replay.ReplayJob;
import io.decisionledger.verify.VerifyJob;
import java.util.Arrays;

/**
 * The developer CLI: {@code java -cp devtools/target/… io.decisionledger.cli.Main <command>
 * [options]} (deploy/local/demo.sh and stack.sh build that classpath). It knows every command, the
 * jobs', the audit service's and the developer tools' ({@code demo}, {@code stack}), and only
 * dispatches; each command parses its own options and prints them with {@code --help}. It lives in
 * devtools because {@code demo} and {@code stack} start processes: the job jar's entry point is
 * {@link io.decisionledger.jobs.Jobs}, the audit jar's {@link io.decisionledger.audit.AuditMain}.
 */
public final class Main {

    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            System.out.println(usage());
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (args[0]) {
                case "demo" -> Demo.main(rest);
                case "ingest" -> IngestJob.main(rest);
                case "verify" -> VerifyJob.main(rest);
                case "stack" -> System.exit(LocalStack.run(rest, System.out));
                case "metrics" -> MetricsJob.main(rest);
                case "metrics-today" -> TodayDashboard.main(rest);
                case "audit" -> AuditCommand.main(rest);
                case "audit-api" -> AuditApi.main(rest);
                case "models-report" -> ModelsReport.main(rest);
                case "replay" -> ReplayJob.main(rest);
                case "compact" -> CompactionJob.main(rest);
                default -> {
                    System.err.println("unknown command '" + args[0] + "'\n\n" + usage());
                    System.exit(2);
                }
            }
        } catch (OptionTable.InvalidOptionException e) {
            System.err.println(
                    "error: " + e.getMessage() + " ('" + args[0] + " --help' lists them)");
            System.exit(2);
        }
    }

    static String usage() {
        return """
                decision-ledger: an immutable, verifiable audit trail for AI decisions.

                Commands:
                  demo     start a local Kafka broker, produce a sample, ingest it into a local lake, summarise
                  ingest   run IngestJob here (on a cluster use: flink run -c io.decisionledger.ingest.IngestJob <jar>)
                  verify   check the lake's hash chains against the published heads (VerifyJob)
                  stack    the local stack: start|stop|status|submit|produce|flink|clean (deploy/local/stack.sh)
                  metrics  run MetricsJob here: live from Kafka, or '--source lake' to rebuild the
                           read model in batch from the audit lake
                  metrics-today  a day's decisions, approval and denial rates per tenant and model,
                           from the metrics read model
                  audit    decision-at | history | event | bundle | verify-bundle | access-log (compliance queries)
                  audit-api  the read-only audit HTTP API (JSON, bearer tokens, 127.0.0.1 by default)
                  models-report  decisions stored without a registered (or certified) model card,
                           re-linked to the cards registered since
                  compact  run CompactionJob here: merge closed partitions, apply retention and legal
                           holds (on a cluster: flink run -c io.decisionledger.compaction.CompactionJob <jar>)
                  replay   run ReplayJob here: re-send stored decisions to an OpenAI-compatible
                           endpoint and compare (match / drift / error)

                '<command> --help' lists a command's options.""";
    }
}
