package io.decisionledger.erasure;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.options.Command;
import io.decisionledger.options.JobOptions;
import io.decisionledger.options.LakeOptions;
import io.decisionledger.options.OptionTable;
import io.decisionledger.rewrite.SwapStep;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The erasure job's options, parsed once: the lake (and its landing and archive roots, which hold
 * copies of the same records), the plan to execute and who executes it. {@code --help} prints them
 * with their defaults.
 *
 * @param lake the lake of record: audit/, ops/, quarantine/, rights/ (plans, receipts)
 * @param landing the root the streaming job writes to when it is not the lake, else null
 * @param archive the root retention copies expired partitions to, else null
 * @param plan the {@link io.decisionledger.rights.ErasurePlan} file (path or URI)
 * @param operator who runs the erasure (named in the receipt)
 * @param failAt crash tests only: the swap step to stop at as a killed process would, or null
 */
public record ErasureOptions(
        LakeLayout lake,
        LakeLayout landing,
        LakeLayout archive,
        String plan,
        String operator,
        SwapStep failAt)
        implements JobOptions {

    /** The command line of {@code ErasureJob}. */
    public static final Command<ErasureOptions> COMMAND =
            Command.of(
                            "erasure",
                            "ErasureJob: erases the personal data of the records one erasure plan"
                                    + " names\n(GDPR Art. 17) in audit/, ops/, quarantine/ and the"
                                    + " archive, keeping the\nhash chains verifiable, and writes"
                                    + " the erasure receipt.\nA RESTRICT plan"
                                    + " (\"scope\": \"RESTRICT\", GDPR Art. 18: records kept but"
                                    + " restricted)\nonly removes their masked rows from ops/ (lake"
                                    + " and landing); audit/, quarantine/\nand the archive are not"
                                    + " touched.\n\nUsage: flink run -c"
                                    + " io.decisionledger.erasure.ErasureJob"
                                    + " decision-ledger-jobs.jar [options]\n\n",
                            table(),
                            ErasureOptions::read)
                    .withFooter(
                            "\nExit code: 0 done (or already done: the receipt exists), 1 the job"
                                    + " failed (run it\nagain: it finishes what the failed run"
                                    + " committed), 2 bad options.\n");

    private static OptionTable table() {
        OptionTable t = new OptionTable();
        LakeOptions.declareRequired(
                t,
                "Lake root (file:///..., s3://bucket/prefix): where the records, the plan's"
                        + " rights/ area and the receipt are.");
        LakeOptions.declareLanding(t);
        t.add(
                "archive",
                "",
                "Archive root retention copies expired partitions to (compaction's --archive):"
                        + " its copies are erased too. Default: no archive.");
        t.required(
                "plan",
                "The erasure plan to execute (path or URI), e.g."
                        + " <lake>/rights/plans/tenant_id=T/request_id=R/plan-1.json.");
        t.required("operator", "Who runs the erasure (a person or service id): in the receipt.");
        t.add(
                "fail-at",
                "",
                "Crash tests only: stop at this swap step as a killed process would ("
                        + String.join(
                                ", ", Arrays.stream(SwapStep.values()).map(Enum::name).toList())
                        + ").");
        return t;
    }

    private static ErasureOptions read(OptionTable.Parsed given) {
        LakeLayout lake = LakeOptions.lake(given);
        LakeLayout landing = LakeOptions.landing(given, lake);
        String archive = given.optional("archive");
        String operator = given.value("operator").strip();
        if (operator.isEmpty()) {
            throw new OptionTable.InvalidOptionException("--operator must not be blank");
        }
        return new ErasureOptions(
                lake,
                landing.root().equals(lake.root()) ? null : landing,
                archive == null ? null : LakeLayout.at(archive),
                given.value("plan"),
                operator,
                given.optional("fail-at") == null ? null : given.choice("fail-at", SwapStep.class));
    }

    /** The options {@code args} give; a bad command line is an InvalidOptionException. */
    public static ErasureOptions parse(String... args) {
        return COMMAND.parse(args);
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>(LakeOptions.options(lake));
        if (landing != null) {
            o.put("landing", landing.root());
        }
        if (archive != null) {
            o.put("archive", archive.root());
        }
        o.put("plan", plan);
        o.put("operator", operator);
        if (failAt != null) {
            o.put("fail-at", failAt.name());
        }
        return o;
    }
}
