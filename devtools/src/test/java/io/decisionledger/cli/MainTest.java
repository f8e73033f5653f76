package io.decisionledger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.options.Exit;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dev CLI and the developer commands (stack, demo) down to their exit codes, through {@link
 * Exit#capture}: a bad command line is one error line and exit code 2, whichever command it
 * reaches; nothing here starts a service.
 */
class MainTest {

    @TempDir Path work;

    private Exit.Captured main(String... args) throws Exception {
        return Exit.capture(() -> Main.main(args));
    }

    private Exit.Captured stack(String... args) throws Exception {
        String[] withWork =
                Stream.concat(Arrays.stream(args), Stream.of("--work", work.toString()))
                        .toArray(String[]::new);
        return main(
                Stream.concat(Stream.of("stack"), Arrays.stream(withWork)).toArray(String[]::new));
    }

    @Test
    void everyCommandFamilyRefusesAnUnknownOptionWithOneLineAndExitCode2() throws Exception {
        String[][] commands = {
            {"demo", "--evnts", "5"},
            {"ingest", "--topc", "loans"},
            {"verify", "--reprot", "r.json"},
            {"metrics-today", "--tennant", "t"},
            {"audit", "event", "--evnt-id", "e"},
            {"audit-api", "--prot", "1"},
            {"stack", "produce", "--evnets", "5"},
            {"stack", "start", "--fre-ports", "all"}
        };
        for (String[] command : commands) {
            Exit.Captured run = main(command);

            assertThat(run.code()).as(String.join(" ", command)).isEqualTo(2);
            assertThat(run.err())
                    .as(String.join(" ", command))
                    .startsWith("error: unknown option " + command[command.length - 2] + ";")
                    .endsWith(" (see --help)\n")
                    .hasLineCount(1);
        }
    }

    @Test
    void refusesAnUnknownCommandAndPrintsTheUsageWithoutOne() throws Exception {
        Exit.Captured unknown = main("ingset");
        Exit.Captured none = main();

        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("error: unknown command 'ingset'; commands: demo,");
        assertThat(none.code()).isZero();
        assertThat(none.out()).isEqualTo(Main.usage()).contains("models-report", "stack");
    }

    @Test
    void stackRefusesBadUsageWith2AndReportsWhatIsDownWith3() throws Exception {
        Exit.Captured component = stack("start", "kafak");
        Exit.Captured jobOption = stack("submit", "--jar", "jobs.jar", "--topc", "loans");
        Exit.Captured metricsOption =
                stack(
                        "submit",
                        "--jar",
                        "jobs.jar",
                        "--class",
                        "io.decisionledger.metrics.MetricsJob",
                        "--tenant",
                        "bank_456");
        Exit.Captured status = stack("status");
        Exit.Captured help = stack("submit", "--help");
        Exit.Captured usage = main("stack");

        assertThat(component.code()).isEqualTo(2);
        assertThat(component.err())
                .isEqualTo(
                        "error: unknown component 'kafak' (all, s3, kafka, flink) (see --help)\n");
        assertThat(jobOption.code()).isEqualTo(2);
        assertThat(jobOption.err())
                .startsWith("error: job option of IngestJob: unknown option --topc;");
        assertThat(metricsOption.code()).isEqualTo(2);
        assertThat(metricsOption.err()).contains("MetricsJob: ", "with --source lake");
        assertThat(status.code()).isEqualTo(3);
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--class", "--no-wait", "Job options");
        assertThat(usage.code()).isZero();
        assertThat(usage.out()).contains("submit", "--free-ports");
    }

    @Test
    void stackPassesFlinkArgumentsHelpIncludedToFlinksOwnCli() throws Exception {
        Exit.Captured flink = stack("flink", "list", "--help");

        // Flink's CLI would print its help; without a cluster the stack says so instead
        assertThat(flink.code()).isEqualTo(1);
        assertThat(flink.err()).isEqualTo("error: flink is not running: stack.sh start flink\n");
    }
}
