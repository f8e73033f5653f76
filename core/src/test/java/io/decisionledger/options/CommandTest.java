package io.decisionledger.options;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The one way every command handles --help, a bad command line and its exit code. */
class CommandTest {

    private static final Command<Integer> COMMAND =
            Command.of(
                            "count",
                            "count: counts.\n\nUsage: count [options]\n\n",
                            new OptionTable().add("n", "3", "How many."),
                            given -> given.integer("n", 1))
                    .withFooter("Exit code: 0 done, 2 bad options.\n");

    @Test
    void printsTheGeneratedHelpAndExitsZero() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();

        Exit.Captured help =
                Exit.capture(
                        () -> {
                            if (COMMAND.parseOrExit(new String[] {"--n", "4", "--help"}) != null) {
                                ran.set(true);
                            }
                        });

        assertThat(help.code()).isZero();
        assertThat(help.out())
                .startsWith("count: counts.")
                .contains("--n", "default: 3")
                .endsWith("Exit code: 0 done, 2 bad options.\n");
        assertThat(ran).isFalse();
    }

    @Test
    void refusesAnUnknownOptionOrABadValueWithOneLineAndExitCode2() throws Exception {
        Exit.Captured unknown = Exit.capture(() -> COMMAND.parseOrExit(new String[] {"--m", "4"}));
        Exit.Captured bad = Exit.capture(() -> COMMAND.parseOrExit(new String[] {"--n", "0"}));

        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err())
                .isEqualTo("error: unknown option --m; known options: n (see --help)\n");
        assertThat(unknown.out()).isEmpty();
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).isEqualTo("error: --n must be at least 1 (see --help)\n");
    }

    @Test
    void runReturnsTheBodysCodeOr2ForOptionsTheBodyRefuses() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);

        int done = COMMAND.run(new String[] {"--n=5"}, System.out, errStream, n -> n);
        int refused =
                COMMAND.run(
                        new String[0],
                        System.out,
                        errStream,
                        n -> {
                            throw new OptionTable.InvalidOptionException("--n is odd");
                        });

        assertThat(done).isEqualTo(5);
        assertThat(refused).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("error: --n is odd (see --help)\n");
        assertThat(COMMAND.reparse(java.util.Map.of("n", "7"), "n", "8")).isEqualTo(8);
    }

    @Test
    void dispatchesToSubCommandsAndRefusesAnUnknownOne() throws Exception {
        Commands commands =
                new Commands("tool <command>\n\n", "\nmore\n", 2)
                        .add("count", "counts\nand counts", args -> COMMAND.parse(args));

        Exit.Captured none =
                Exit.capture(() -> Exit.with(commands.run(new String[0], Exit.out(), Exit.err())));
        Exit.Captured unknown =
                Exit.capture(
                        () ->
                                Exit.with(
                                        commands.run(
                                                new String[] {"cuont"}, Exit.out(), Exit.err())));
        Exit.Captured ran =
                Exit.capture(
                        () ->
                                Exit.onFailure(
                                        commands.run(
                                                new String[] {"count", "--n", "6"},
                                                Exit.out(),
                                                Exit.err())));

        assertThat(none.code()).isEqualTo(2);
        assertThat(none.out())
                .contains("  count  counts\n         and counts\n")
                .endsWith("more\n");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err())
                .isEqualTo("error: unknown command 'cuont'; commands: count (see --help)\n");
        assertThat(ran.code()).isEqualTo(6);
    }

    @Test
    void neverEndsAFlinkClusterProcessButDoesEndTheFlinkCli() {
        assertThat(
                        Exit.insideFlinkCluster(
                                "org.apache.flink.runtime.entrypoint"
                                        + ".StandaloneSessionClusterEntrypoint -c conf"))
                .isTrue();
        assertThat(
                        Exit.insideFlinkCluster(
                                "org.apache.flink.kubernetes.entrypoint"
                                        + ".KubernetesApplicationClusterEntrypoint"))
                .isTrue();
        assertThat(Exit.insideFlinkCluster("org.apache.flink.client.cli.CliFrontend run -d x.jar"))
                .isFalse();
        assertThat(Exit.insideFlinkCluster("io.decisionledger.cli.Main ingest")).isFalse();
    }
}
