package io.decisionledger.verify;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.options.Command;
import io.decisionledger.options.JobOptions;
import io.decisionledger.options.LakeOptions;
import io.decisionledger.options.OptionTable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Verifies the audit lake against its hash chains and published heads, trusting nothing but the
 * files: every record's content hash and chain hash must recompute, every chain must run from seq 1
 * without gap or repeat with every prev_hash linking, and end exactly at its latest published head;
 * no event id may be stored twice. A Flink batch job ({@link VerifyPipeline}): records are read and
 * re-hashed in parallel across files, then sorted by chain and seq with Flink's external sort
 * (spilling to disk, so a lake larger than memory verifies), and each chain is walked by one
 * subtask, chains in parallel. {@code main} parses the options; the {@link VerifyRunner} does the
 * client side (listing, heads, report, exit code).
 *
 * <p>Exit code 0 when clean, 1 when any violation is found, 2 for bad options. The JSON report
 * lists each violation (kind, tenant, chain shard, seq range, file); stdout gets one summary line.
 */
public final class VerifyJob {

    /**
     * Options: {@code --lake URI [--tenant T] [--report FILE] [--trusted-keys FILE]}; {@link
     * #jobParameters()} is what Flink's web UI shows.
     *
     * @param trustedKeys the operator's file of trusted public keys, or null: then signatures of
     *     heads, summaries and anchors are not checked
     */
    public record Options(
            LakeLayout lake,
            String tenant,
            java.nio.file.Path report,
            java.nio.file.Path trustedKeys)
            implements JobOptions {

        /** Without signature checks. */
        public Options(LakeLayout lake, String tenant, java.nio.file.Path report) {
            this(lake, tenant, report, null);
        }

        /** The command line of {@code VerifyJob}. */
        public static final Command<Options> COMMAND =
                Command.of(
                                "verify",
                                "VerifyJob: checks the audit lake's hash chains and published"
                                        + " heads.\n\nUsage: flink run -c"
                                        + " io.decisionledger.verify.VerifyJob"
                                        + " decision-ledger-jobs.jar [options]\n\n",
                                table(),
                                Options::read)
                        .withFooter("\nExit code: 0 clean, 1 violations found, 2 bad options.\n");

        private static OptionTable table() {
            OptionTable t = new OptionTable();
            LakeOptions.declare(
                    t,
                    "Lake root (file:///..., s3://bucket/prefix); point it at a lake whose"
                            + " chain/heads/ is the protected copy.");
            t.add("tenant", "", "Verify one tenant only. Default: every tenant.");
            t.add("report", "verify-report.json", "Where the JSON report goes.");
            t.add(
                    "trusted-keys",
                    "",
                    "File of the public keys whose signatures on chain heads, retention summaries"
                            + " and anchors are trusted, one 'KEY_ID Ed25519 BASE64-X.509' line (or"
                            + " 'KEY_ID Ed25519' and a PEM public key) per key; keep it outside the"
                            + " lake. Then unsigned ones are reported (UNSIGNED_HEAD,"
                            + " UNSIGNED_SUMMARY), bad ones BAD_SIGNATURE, and the chains are checked"
                            + " against their latest validly signed head. Default: not checked.");
            return t;
        }

        private static Options read(OptionTable.Parsed given) {
            return new Options(
                    LakeOptions.lake(given),
                    given.optional("tenant"),
                    java.nio.file.Path.of(given.value("report")),
                    given.as("trusted-keys", Options::trustedKeysFile));
        }

        /** The file, read once here so a missing or malformed one is a bad option (exit 2). */
        private static java.nio.file.Path trustedKeysFile(String value) {
            if (value.isBlank()) {
                return null;
            }
            java.nio.file.Path file = java.nio.file.Path.of(value.strip());
            try {
                io.decisionledger.chain.TrustedKeys.load(file);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
            return file;
        }

        /** The options {@code args} give; a bad command line is an InvalidOptionException. */
        public static Options parse(String[] args) {
            return COMMAND.parse(args);
        }

        static String help() {
            return COMMAND.help();
        }

        @Override
        public Map<String, String> options() {
            Map<String, String> o = new LinkedHashMap<>(LakeOptions.options(lake));
            if (tenant != null) {
                o.put("tenant", tenant);
            }
            o.put("report", report.toString());
            if (trustedKeys != null) {
                o.put("trusted-keys", trustedKeys.toString());
            }
            return o;
        }
    }

    private VerifyJob() {}

    public static void main(String[] args) throws Exception {
        Options options = Options.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        // the options in Flink's web UI
        env.getConfig().setGlobalJobParameters(Configuration.fromMap(options.jobParameters()));
        System.exit(new VerifyRunner(options).runAndReport(env, System.out));
    }
}
