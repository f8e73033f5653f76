package io.decisionledger.cli;

import io.decisionledger.audit.AuditApi;
import io.decisionledger.audit.AuditCommand;
import io.decisionledger.compaction.CompactionJob;
import io.decisionledger.ingest.IngestJob;
import io.decisionledger.metrics.MetricsJob;
import io.decisionledger.metrics.TodayDashboard;
import io.decisionledger.models.ModelsReport;
import io.decisionledger.options.Commands;
import io.decisionledger.options.Exit;
import io.decisionledger.replay.ReplayJob;
import io.decisionledger.verify.VerifyJob;

/**
 * The developer CLI: {@code java -cp devtools/target/… io.decisionledger.cli.Main <command>
 * [options]} (deploy/local/demo.sh and stack.sh build that classpath). It knows every command, the
 * jobs', the audit service's and the developer tools' ({@code demo}, {@code stack}), and only
 * dispatches; each command parses its own options, prints them with {@code --help} and exits 2 for
 * a bad command line. It lives in devtools because {@code demo} and {@code stack} start processes:
 * the job jar's entry point is {@link io.decisionledger.jobs.Jobs}, the audit jar's {@link
 * io.decisionledger.audit.AuditMain}.
 */
public final class Main {

    private static final Commands COMMANDS =
            new Commands(
                            "decision-ledger: an immutable, verifiable audit trail for AI"
                                    + " decisions.\n\nCommands:\n",
                            "\n'<command> --help' lists a command's options.\n",
                            0)
                    .addMain(
                            "demo",
                            "start a local Kafka broker, produce a sample, ingest it into a local"
                                    + " lake, summarise",
                            Demo::main)
                    .addMain(
                            "ingest",
                            "run IngestJob here (on a cluster use: flink run -c"
                                    + " io.decisionledger.ingest.IngestJob <jar>)",
                            IngestJob::main)
                    .addMain(
                            "verify",
                            "check the lake's hash chains against the published heads"
                                    + " (VerifyJob)",
                            VerifyJob::main)
                    .addMain(
                            "stack",
                            "the local stack: start|stop|status|submit|produce|flink|clean"
                                    + " (deploy/local/stack.sh)",
                            LocalStack::main)
                    .addMain(
                            "metrics",
                            "run MetricsJob here: live from Kafka, or '--source lake' to rebuild"
                                    + " the\nread model in batch from the audit lake",
                            MetricsJob::main)
                    .addMain(
                            "metrics-today",
                            "a day's decisions, approval and denial rates per tenant and model,\n"
                                    + "from the metrics read model",
                            TodayDashboard::main)
                    .addMain(
                            "audit",
                            "decision-at | history | event | bundle | verify-bundle | access-log"
                                    + " (compliance queries)",
                            AuditCommand::main)
                    .addMain(
                            "audit-api",
                            "the read-only audit HTTP API (JSON, bearer tokens, 127.0.0.1 by"
                                    + " default)",
                            AuditApi::main)
                    .addMain(
                            "models-report",
                            "decisions stored without a registered (or certified) model card,\n"
                                    + "re-linked to the cards registered since",
                            ModelsReport::main)
                    .addMain(
                            "compact",
                            "run CompactionJob here: merge closed partitions, apply retention and"
                                    + " legal\nholds (on a cluster: flink run -c"
                                    + " io.decisionledger.compaction.CompactionJob <jar>)",
                            CompactionJob::main)
                    .addMain(
                            "replay",
                            "run ReplayJob here: re-send stored decisions to an OpenAI-compatible\n"
                                    + "endpoint and compare (match / drift / error)",
                            ReplayJob::main);

    private Main() {}

    public static void main(String[] args) throws Exception {
        Exit.onFailure(COMMANDS.run(args, Exit.out(), Exit.err()));
    }

    static String usage() {
        return COMMANDS.usage();
    }
}
