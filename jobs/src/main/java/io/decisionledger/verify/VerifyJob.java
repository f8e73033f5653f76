package io.decisionledger.verify;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.options.Command;
import io.decisionledger.options.JobOptions;
import io.decisionledger.options.LakeOptions;
import io.decisionledger.options.OptionTable;
import io.decisionledger.options.RunMetricsOptions;
import io.decisionledger.options.SigningOptions;
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
            PseudonymKey pseudonymKey,
            StateOptions state)
            implements JobOptions {

        /**
         * Incremental verification ({@code --incremental}, {@code --state}, {@code
         * --refresh-state}): where the verify states are kept, whether this run starts from the
         * newest one, and the key that signs the state it writes.
         *
         * @param incremental start from the newest state (else: a full run)
         * @param write write a new state after a clean run (with --incremental or --refresh-state)
         * @param dir the state folder (a URI or path); null: {@code <lake>/verify/state}
         * @param signing the key that signs the new state, or none
         */
        public record StateOptions(
                boolean incremental, boolean write, String dir, SigningOptions.Signing signing)
                implements java.io.Serializable {

            /** A full run that neither reads nor writes a state: the default. */
            public static StateOptions none() {
                return new StateOptions(false, false, null, SigningOptions.Signing.none());
            }

            /** An incremental run keeping its states in {@code dir} (null: in the lake). */
            public static StateOptions incremental(String dir, SigningOptions.Signing signing) {
                return new StateOptions(true, true, dir, signing);
            }

            public boolean used() {
                return incremental || write;
            }

            /** The state folder for {@code lake}. */
            public org.apache.flink.core.fs.Path folder(LakeLayout lake) {
                return dir == null
                        ? lake.resolve(STATE_FOLDER)
                        : new org.apache.flink.core.fs.Path(LakeLayout.at(dir).root());
            }
        }

        /** Where the verify states are kept in the lake by default. */
        public static final String STATE_FOLDER = "verify/state";

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

        /** A full run, without a verify state. */
        public Options(
                LakeLayout lake,
                String tenant,
                java.nio.file.Path report,
                java.nio.file.Path trustedKeys,
                Set<String> derived,
                String maskingPolicyFile,
                PseudonymKey pseudonymKey) {
            this(
                    lake,
                    tenant,
                    report,
                    trustedKeys,
                    derived,
                    maskingPolicyFile,
                    pseudonymKey,
                    StateOptions.none());
        }

        /** These options with {@code state}. */
        public Options withState(StateOptions state) {
            return new Options(
                    lake,
                    tenant,
                    report,
                    trustedKeys,
                    derived,
                    maskingPolicyFile,
                    pseudonymKey,
                    state);
        }

        public Options {
            derived = Set.copyOf(derived);
            state = state == null ? StateOptions.none() : state;
            if (state.used() && (tenant != null || !derived.isEmpty())) {
                throw new IllegalArgumentException(
                        "--incremental, --state and --refresh-state verify the whole lake's chains:"
                                + " not with --tenant or --derived");
            }
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
            t.flag(
                    "incremental",
                    "Start from the newest verify state: read only the files it does not cover,"
                            + " walk each chain on from the position it recorded, re-verify in full"
                            + " every tenant (or the quarantine) where a covered file changed or"
                            + " disappeared (compaction, retention, erasure, tampering), and after a"
                            + " clean run write the next state. Without a state (the first run) or"
                            + " with one that fails its checks (STATE_TAMPERED, STATE_ROLLED_BACK,"
                            + " STATE_UNSIGNED) the whole lake is verified. Not with --tenant or"
                            + " --derived. Default: a full run that reads and writes no state.");
            t.add(
                    "state",
                    "",
                    "Folder of the verify states (path or URI); implies --incremental. Keep it"
                            + " outside the lake where the lake's writers cannot reach it. Default: "
                            + STATE_FOLDER
                            + "/ in the lake.");
            t.flag(
                    "refresh-state",
                    "A full run that writes the next verify state when clean (e.g. weekly, or"
                            + " after a STATE_* finding was investigated); with --state for another"
                            + " folder.");
            SigningOptions.declare(t, "the verify state this run writes");
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
            boolean refresh = given.bool("refresh-state");
            String stateDir = given.optional("state");
            boolean incremental = given.bool("incremental") || (stateDir != null && !refresh);
            SigningOptions.Signing signing = SigningOptions.read(given);
            if (refresh && given.bool("incremental")) {
                throw new OptionTable.InvalidOptionException(
                        "--refresh-state is a full run: not with --incremental");
            }
            if (!incremental && !refresh && signing.enabled()) {
                throw new OptionTable.InvalidOptionException(
                        "--signing-key signs the verify state: give --incremental (or --state,"
                                + " --refresh-state)");
            }
            if ((incremental || refresh)
                    && (given.optional("tenant") != null || !derived.isEmpty())) {
                throw new OptionTable.InvalidOptionException(
                        "--incremental, --state and --refresh-state verify the whole lake: not with"
                                + " --tenant or --derived");
            }
            StateOptions state =
                    incremental || refresh
                            ? new StateOptions(incremental, true, stateDir, signing)
                            : StateOptions.none();
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
                                    given.value("pseudonym-key-id")),
                    state);
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
            if (state.used()) {
                o.put("incremental", String.valueOf(state.incremental()));
                o.put("refresh-state", String.valueOf(!state.incremental()));
                if (state.dir() != null) {
                    o.put("state", state.dir());
                }
                o.putAll(SigningOptions.options(state.signing()));
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
