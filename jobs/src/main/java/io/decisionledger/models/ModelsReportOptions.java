package io.decisionledger.models;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.options.Command;
import io.decisionledger.options.LakeOptions;
import io.decisionledger.options.OptionTable;
import java.nio.file.Path;

/**
 * The options of {@code models-report} ({@link ModelsReport}), parsed once from {@code --name
 * value} arguments; {@code --help} prints them, an unknown option is an error.
 *
 * @param tenant only this tenant's decisions, or null for all
 * @param required the certifications each tenant's cards must hold, as given to the ingest job
 * @param relinksOut where the re-link overlay CSV goes, or null for none
 */
public record ModelsReportOptions(
        LakeLayout lake, String tenant, RequiredCertifications required, Path relinksOut) {

    /** The command line of {@code models-report}. */
    public static final Command<ModelsReportOptions> COMMAND =
            Command.of(
                    "models-report",
                    "models-report: decisions stored without a valid model card, re-linked to the"
                            + " cards registered since.\n\nUsage: Main models-report [options]\n\n",
                    table(),
                    ModelsReportOptions::read);

    private static OptionTable table() {
        OptionTable t = new OptionTable();
        LakeOptions.declare(t, "Lake root.");
        t.add("tenant", "", "Only this tenant. Default: every tenant.");
        t.add(
                "required-certifications",
                "",
                "e.g. bank_456=EU_AI_ACT+SOC2 (as given to the ingest job).");
        t.add("relinks-out", "", "Write the re-link overlay as CSV to this file.");
        return t;
    }

    private static ModelsReportOptions read(OptionTable.Parsed given) {
        String relinksOut = given.optional("relinks-out");
        return new ModelsReportOptions(
                LakeOptions.lake(given),
                given.optional("tenant"),
                given.as("required-certifications", RequiredCertifications::parse),
                relinksOut == null ? null : Path.of(relinksOut));
    }

    /** The options {@code args} give; a bad command line is an InvalidOptionException. */
    public static ModelsReportOptions parse(String... args) {
        return COMMAND.parse(args);
    }
}
