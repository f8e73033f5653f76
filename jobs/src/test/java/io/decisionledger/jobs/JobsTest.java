package io.decisionledger.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.options.Exit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The job jar's entry point, down to its exit codes: every job refuses an unknown option or a bad
 * value with one error line and exit code 2, prints its help with exit code 0, and no job or an
 * unknown one is exit code 2 too.
 */
class JobsTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ingest",
                "metrics",
                "compact",
                "verify",
                "replay",
                "metrics-today",
                "models-report",
                "rights"
            })
    void everyJobRefusesAnUnknownOptionWithOneLineAndExitCode2(String job) throws Exception {
        Exit.Captured run = Exit.capture(() -> Jobs.main(new String[] {job, "--lakes", "x"}));

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err())
                .startsWith("error: unknown option --lakes; known options: ")
                .contains("lake")
                .endsWith(" (see --help)\n")
                .hasLineCount(1);
        assertThat(run.out()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "ingest        | --checkpoint-interval | 60s        | --checkpoint-interval must be an ISO-8601 duration",
                "metrics       | --granularities       | 1w         | --granularities: granularity '1w'",
                "compact       | --min-age             | P0D        | --min-age must be at least P1D",
                "verify        | --lake                | ' '        | --lake must not be empty",
                "replay        | --rate                | 0          | --rate must be positive",
                "metrics-today | --date                | 15.03.2026 | --date must be a date",
                "models-report | --required-certifications | SOC2   | --required-certifications: "
            })
    void everyJobRefusesABadValueNamingTheOptionWithExitCode2(
            String job, String option, String value, String message) throws Exception {
        Exit.Captured run = Exit.capture(() -> Jobs.main(new String[] {job, option, value}));

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: " + message).hasLineCount(1);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ingest",
                "metrics",
                "compact",
                "verify",
                "replay",
                "metrics-today",
                "models-report",
                "rights"
            })
    void everyJobPrintsItsGeneratedHelpAndExits0(String job) throws Exception {
        Exit.Captured run =
                Exit.capture(() -> Jobs.main(new String[] {job, "--lake", "x", "--help"}));

        assertThat(run.code()).isZero();
        assertThat(run.out()).contains("--lake", "default: file:///tmp/decision-ledger/lake");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void noJobOrAnUnknownJobIsExitCode2() throws Exception {
        Exit.Captured none = Exit.capture(() -> Jobs.main(new String[0]));
        Exit.Captured unknown = Exit.capture(() -> Jobs.main(new String[] {"ingets"}));
        Exit.Captured help = Exit.capture(() -> Jobs.main(new String[] {"--help"}));

        assertThat(none.code()).isEqualTo(2);
        assertThat(none.out()).contains("ingest", "models-report", "'<job> --help'");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err())
                .startsWith("error: unknown command 'ingets'; commands: ingest, metrics,")
                .hasLineCount(1);
        assertThat(help.code()).isZero();
        assertThat(help.out()).isEqualTo(Jobs.usage());
    }
}
