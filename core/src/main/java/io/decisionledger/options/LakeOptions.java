package io.decisionledger.options;

import io.decisionledger.lake.LakeLayout;
import java.util.Map;

/**
 * The lake option group: {@code --lake}, the lake root (any Flink file system URI, or a local path
 * made absolute), and for the jobs that copy from a landing area into the lake of record, {@code
 * --landing}. Every command that reads or writes the lake declares it here, so it is spelled,
 * defaulted and checked the same way everywhere.
 */
public final class LakeOptions {

    /** Where every job and tool looks when no lake is given. */
    public static final String DEFAULT_LAKE = "file:///tmp/decision-ledger/lake";

    private LakeOptions() {}

    /** {@code --lake}, defaulting to {@link #DEFAULT_LAKE}. */
    public static void declare(OptionTable table, String description) {
        table.add("lake", DEFAULT_LAKE, description);
    }

    /** {@code --lake}, which must be given (services that must not guess where records are). */
    public static void declareRequired(OptionTable table, String description) {
        table.required("lake", description);
    }

    /** {@code --lake}, which may be left out ({@link #optionalLake} is then null). */
    public static void declareOptional(OptionTable table, String description) {
        table.add("lake", "", description);
    }

    /** {@code --landing}: where the streaming job writes, when it is not {@code --lake}. */
    public static void declareLanding(OptionTable table) {
        table.add(
                "landing",
                "",
                "Root the streaming job writes to (its --lake), when it is not the lake of record"
                        + " (e.g. an unlocked landing bucket). Default: --lake (compact in place).");
    }

    public static LakeLayout lake(OptionTable.Parsed given) {
        return given.as("lake", LakeLayout::at);
    }

    public static LakeLayout optionalLake(OptionTable.Parsed given) {
        return given.optional("lake") == null ? null : lake(given);
    }

    /** The landing root: {@code --landing}, or {@code lake} when it is not given. */
    public static LakeLayout landing(OptionTable.Parsed given, LakeLayout lake) {
        return given.optional("landing") == null ? lake : given.as("landing", LakeLayout::at);
    }

    /** {@code lake} as the option that gives it. */
    public static Map<String, String> options(LakeLayout lake) {
        return Map.of("lake", lake.root());
    }
}
