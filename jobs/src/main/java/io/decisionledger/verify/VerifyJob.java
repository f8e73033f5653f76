package io.decisionledger.verify;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.options.Command;
import io.decisionledger.options.JobOptions;
import io.decisionledger.options.LakeOptions;
import io.decisionledger.options.OptionTable;
import io.decisionledger.options.RunMetricsOptions;
import io.decisionledger.privacy.MaskingPolicy;
import io.decisionledger.privacy.PseudonymKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
     * Options: {@code --lake URI [--tenant T] [--report FILE] [--trusted-keys FILE] [--derived ops
     * --masking-policy FILE --pseudonym-key-file FILE]}; {@link #jobParameters()} is what Flink's
     * web UI shows.
     *
     * @param trustedKeys the operator's file of trusted public keys, or null: then signatures of
     *     heads, summaries and anchors are not checked
     */
    public record Options(
            LakeLayout lake,
            String tenant,
            java.nio.file.Path report,
            java.nio.file.Path trustedKeys,
            Set<String> derived,
            String maskingPolicyFile,
            PseudonymKey pseudonymKey)
            implements JobOptions {

        /** The derived datasets {@code --derived} can name. */
        public static final List<String> DERIVED = List.of("ops", "metrics");

        /** Chains only, no derived datasets, no signature checks. */
        public Options(LakeLayout lake, String tenant, java.nio.file.Path report) {
            this(lake, tenant, report, null);
        }

        /** Chains only, no derived datasets. */
        public Options(
                LakeLayout lake,
                String tenant,
                java.nio.file.Path report,
                java.nio.file.Path trustedKeys) {
            this(lake, tenant, report, trustedKeys, Set.of(), null, null);
        }

        public Options {
            derived = Set.copyOf(derived);
            if (derived.contains("ops") && pseudonymKey == null) {
                throw new IllegalArgumentException("--derived ops needs the pseudonym key");
            }
        }

        /** Whether the derived mode re-derives {@code dataset} ("ops"). */
        public boolean derives(String dataset) {
            return derived.contains(dataset);
        }

        /** The masking policy the ops copy was written with: the file given, or the built-in. */
        public MaskingPolicy maskingPolicy() {
            return maskingPolicyFile == null
                    ? MaskingPolicy.builtIn()
                    : MaskingPolicy.load(java.nio.file.Path.of(maskingPolicyFile));
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
            t.add(
                    "derived",
                    "",
                    "Derived mode: also re-derive these datasets from the audit records and compare"
                            + " them with what is stored. ops: re-mask every audit record with the"
                            + " masking policy and pseudonym key below and compare with its ops row"
                            + " (OPS_MISSING, OPS_EXTRA, OPS_MISMATCH); metrics: recompute the"
                            + " windowed aggregates of every stored metrics window from the audit"
                            + " records (METRICS_MISMATCH). E.g. ops,metrics. Default: none.");
            t.add(
                    "masking-policy",
                    "",
                    "With --derived ops: the masking policy file the ingest job used. Default: the"
                            + " policy built into the jar.");
            t.add(
                    "pseudonym-key-file",
                    "",
                    "With --derived ops: file holding the pseudonymisation key the ingest job used"
                            + " (Base64). Default: the environment variable below.");
            t.add(
                    "pseudonym-key-env",
                    PseudonymKey.DEFAULT_ENV,
                    "With --derived ops: environment variable holding the key when no key file is"
                            + " given.");
            t.add(
                    "pseudonym-key-id",
                    "k1",
                    "With --derived ops: id of the key, as the ingest job stored it with every"
                            + " pseudonym.");
            RunMetricsOptions.declare(t);
            return t;
        }

        private static Options read(OptionTable.Parsed given) {
            Set<String> derived = new TreeSet<>();
            String list = given.optional("derived");
            if (list != null) {
                for (String d : list.split(",")) {
                    String name = d.strip().toLowerCase(Locale.ROOT);
                    if (!DERIVED.contains(name)) {
                        throw new OptionTable.InvalidOptionException(
                                "--derived must name datasets among "
                                        + DERIVED
                                        + ", not '"
                                        + name
                                        + "'");
                    }
                    derived.add(name);
                }
            }
            String policy = given.optional("masking-policy");
            String keyFile = given.optional("pseudonym-key-file");
            if (!derived.contains("ops") && (policy != null || keyFile != null)) {
                throw new OptionTable.InvalidOptionException(
                        "--masking-policy and --pseudonym-key-file are for --derived ops");
            }
            return new Options(
                    LakeOptions.lake(given),
                    given.optional("tenant"),
                    java.nio.file.Path.of(given.value("report")),
                    given.as("trusted-keys", Options::trustedKeysFile),
                    derived,
                    policy,
                    !derived.contains("ops")
                            ? null
                            : new PseudonymKey(
                                    keyFile,
                                    given.value("pseudonym-key-env"),
                                    given.value("pseudonym-key-id")));
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
            if (!derived.isEmpty()) {
                o.put("derived", String.join(",", new TreeSet<>(derived)));
                if (maskingPolicyFile != null) {
                    o.put("masking-policy", maskingPolicyFile);
                }
                if (pseudonymKey != null) {
                    if (pseudonymKey.file() != null) {
                        o.put("pseudonym-key-file", pseudonymKey.file());
                    }
                    o.put("pseudonym-key-env", pseudonymKey.envVariable());
                    o.put("pseudonym-key-id", pseudonymKey.keyId());
                }
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
        System.exit(
                new VerifyRunner(options)
                        .runAndReport(env, System.out, RunMetricsOptions.fromArgsOrExit(args)));
    }
}
