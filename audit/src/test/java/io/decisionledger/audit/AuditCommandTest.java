package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.access.Caller;
import io.decisionledger.options.Exit;
import io.decisionledger.options.OptionTable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit service's command lines, down to their exit codes, without a lake: an unknown option, a
 * bad value or a missing one is one error line and exit code 2, for the CLI's sub-commands and for
 * the audit jar's entry point ({@code serve} included).
 */
class AuditCommandTest {

    private static final Map<String, String> OFFICER = Map.of();

    private record Run(int code, String out, String err) {}

    private static Run cli(String... args) throws Exception {
        return cli(OFFICER, args);
    }

    private static Run cli(Map<String, String> env, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                AuditCommand.run(
                        args,
                        env,
                        Clock.systemUTC(),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(
                code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void refusesAnUnknownOptionOfEverySubCommandWithExitCode2() throws Exception {
        for (String command :
                new String[] {
                    "decision-at", "history", "event", "bundle", "verify-bundle", "access-log"
                }) {
            Run run = cli(command, "--lake", "/tmp/lake", "--tenat", "bank_456");

            assertThat(run.code()).as(command).isEqualTo(2);
            assertThat(run.err())
                    .as(command)
                    .startsWith("error: unknown option --tenat; known options: ")
                    .endsWith(" (see --help)\n")
                    .hasLineCount(1);
        }
    }

    @Test
    void refusesMissingRepeatedAndMisplacedArgumentsWithExitCode2() throws Exception {
        Run noLake = cli("decision-at", "--tenant", "t", "--user", "u", "--at", "2026-03-15");
        Run twice =
                cli(
                        "event",
                        "--lake",
                        "/tmp/lake",
                        "--tenant",
                        "a",
                        "--tenant",
                        "b",
                        "--event-id",
                        "e");
        Run twoSubjects =
                cli(
                        "history",
                        "--lake",
                        "/tmp/lake",
                        "--tenant",
                        "t",
                        "--user",
                        "u",
                        "--case",
                        "c");
        Run flagThenPath = cli("event", "--json", "bundle.zip", "--lake", "/tmp/lake");
        Run noBundle = cli("verify-bundle");
        Run badDate = cli("access-log", "--lake", "/tmp/lake", "--from", "15.03.2026");

        assertThat(noLake.code()).isEqualTo(2);
        assertThat(noLake.err()).isEqualTo("error: --lake is required (see --help)\n");
        assertThat(twice.err()).isEqualTo("error: --tenant is given twice (see --help)\n");
        assertThat(twoSubjects.code()).isEqualTo(2);
        assertThat(twoSubjects.err()).contains("name exactly one of --user, --case");
        assertThat(flagThenPath.code()).isEqualTo(2);
        assertThat(flagThenPath.err()).startsWith("error: unexpected argument 'bundle.zip'");
        assertThat(noBundle.code()).isEqualTo(2);
        assertThat(noBundle.err()).contains("verify-bundle needs one bundle folder or zip");
        assertThat(badDate.err()).startsWith("error: --from must be a date (yyyy-MM-dd)");
    }

    @Test
    void printsGeneratedHelpAndRefusesNoOrAnUnknownCommand() throws Exception {
        Run help = cli("--help");
        Run commandHelp = cli("decision-at", "--help");
        Run none = cli();
        Run unknown = cli("decisions-at");

        assertThat(help.code()).isZero();
        assertThat(help.out())
                .contains("decision-at", "verify-bundle", "access-log", "--token-file")
                .contains("Exit codes: 0 done");
        assertThat(commandHelp.code()).isZero();
        assertThat(commandHelp.out()).contains("--at", "--user-pseudonym", "--json", "required");
        assertThat(none.code()).isEqualTo(2);
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err())
                .startsWith("error: unknown command 'decisions-at'; commands: decision-at,");
    }

    @Test
    void reportPrintsItsOptionsAndRefusesBadOnesBeforeAskingWhoYouAre() throws Exception {
        Run help = cli("report", "--help");
        Run tooSmall =
                cli(
                        "report",
                        "--lake",
                        "/tmp/lake",
                        "--tenant",
                        "t",
                        "--from",
                        "2026-01-01",
                        "--to",
                        "2026-03-31",
                        "--out",
                        "/tmp/r.html",
                        "--min-group-size",
                        "1");
        Run backwards =
                cli(
                        "report",
                        "--lake",
                        "/tmp/lake",
                        "--tenant",
                        "t",
                        "--from",
                        "2026-03-31",
                        "--to",
                        "2026-01-01",
                        "--out",
                        "/tmp/r.html");
        Run noBrowser =
                cli(
                        "report",
                        "--lake",
                        "/tmp/lake",
                        "--tenant",
                        "t",
                        "--from",
                        "2026-01-01",
                        "--to",
                        "2026-03-31",
                        "--out",
                        "/tmp/r.html",
                        "--pdf",
                        "--chromium",
                        "/nonexistent/chromium");

        assertThat(help.code()).isZero();
        assertThat(help.out())
                .contains("--tenant", "--from", "--to", "--out", "--pdf", "--chromium")
                .contains("--min-group-size", "SHA-256");
        assertThat(tooSmall.code()).isEqualTo(2);
        assertThat(tooSmall.err())
                .contains("--min-group-size must be a whole number of at least 2");
        assertThat(backwards.code()).isEqualTo(2);
        assertThat(backwards.err()).contains("--to is before --from");
        assertThat(noBrowser.code()).isEqualTo(2);
        assertThat(noBrowser.err()).contains("--pdf needs Chromium");
    }

    @Test
    void theAuditJarsEntryPointRefusesBadOptionsOfServeAndOfTheQueries() throws Exception {
        Exit.Captured serve =
                Exit.capture(() -> AuditMain.main(new String[] {"serve", "--prot", "1"}));
        Exit.Captured serveWithoutTokens =
                Exit.capture(() -> AuditMain.main(new String[] {"serve", "--lake", "/tmp/lake"}));
        Exit.Captured query =
                Exit.capture(() -> AuditMain.main(new String[] {"access-log", "--verfiy", "true"}));
        Exit.Captured none = Exit.capture(() -> AuditMain.main(new String[0]));

        assertThat(serve.code()).isEqualTo(2);
        assertThat(serve.err()).startsWith("error: unknown option --prot;").hasLineCount(1);
        assertThat(serveWithoutTokens.code()).isEqualTo(2);
        assertThat(serveWithoutTokens.err())
                .isEqualTo("error: --tokens or --auth-config is required (see --help)\n");
        assertThat(query.code()).isEqualTo(2);
        assertThat(query.err()).startsWith("error: unknown option --verfiy;");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.out()).contains("serve", "decision-at");
    }

    @Test
    void apiOptionsTakeTheirDefaultsAndRefuseHalfTheTrustedHeaders() {
        AuditApi.Options o =
                AuditApi.Options.parse(new String[] {"--lake", "/tmp/lake", "--tokens", "t"});

        assertThat(o.bind()).isEqualTo("127.0.0.1");
        assertThat(o.port()).isEqualTo(8686);
        assertThat(o.threads()).isEqualTo(4);
        assertThat(o.trustedUserHeader()).isNull();
        assertThatThrownBy(
                        () ->
                                AuditApi.Options.parse(
                                        new String[] {
                                            "--lake",
                                            "/tmp/lake",
                                            "--tokens",
                                            "t",
                                            "--trusted-user-header",
                                            "X-User"
                                        }))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessage(
                        "--trusted-user-header, --trusted-role-header and --trusted-tenants-header"
                                + " go together");
        assertThatThrownBy(
                        () ->
                                AuditApi.Options.parse(
                                        new String[] {
                                            "--lake", "/tmp/lake", "--tokens", "t", "--port", "x"
                                        }))
                .hasMessage("--port must be an integer");
    }

    @Test
    void refusesTheSelfAssertedEnvironmentIdentityBeforeTouchingTheLake(@TempDir Path dir)
            throws Exception {
        // before tokens, this variable alone made anyone a compliance officer
        Map<String, String> env = Map.of(Caller.LEGACY_ENV, "j.doe:compliance_officer");
        Path lake = dir.resolve("lake");

        Run run =
                cli(
                        env,
                        "decision-at",
                        "--lake",
                        lake.toString(),
                        "--tenant",
                        "bank_456",
                        "--user",
                        "user_1",
                        "--at",
                        "2026-03-15",
                        "--purpose",
                        "complaint");

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err())
                .contains(Caller.LEGACY_ENV + " is no longer accepted")
                .contains("--token-file");
        assertThat(Files.exists(lake.resolve("access-log"))).isFalse();
    }

    @Test
    void marksADevelopmentIdentityAndRefusesAnUnknownToken(@TempDir Path dir) throws Exception {
        Path lake = dir.resolve("lake");
        Path tokens = dir.resolve("api-tokens");
        Files.writeString(
                tokens,
                io.decisionledger.access.ApiTokens.digestHex("real")
                        + " cli.officer compliance_officer *\n");
        Path config = dir.resolve("auth.properties");
        Files.writeString(config, "tokens = api-tokens\n");
        Path guessed = dir.resolve("guessed.token");
        Files.writeString(guessed, "guessed\n");
        Files.setPosixFilePermissions(
                guessed, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        String[] query = {
            "decision-at",
            "--lake",
            lake.toString(),
            "--tenant",
            "bank_456",
            "--user",
            "user_1",
            "--at",
            "2026-03-15",
            "--purpose",
            "local test"
        };

        Run dev =
                cli(
                        concat(
                                query,
                                "--insecure-self-asserted-identity",
                                "dev.me:compliance_officer:*"));
        Run unknown =
                cli(
                        concat(
                                query,
                                "--token-file",
                                guessed.toString(),
                                "--auth-config",
                                config.toString()));

        assertThat(dev.code()).isZero();
        assertThat(dev.err()).contains("WARNING", "CLI-UNAUTHENTICATED");
        List<io.decisionledger.schema.AccessLogEntry> entries =
                new io.decisionledger.access.AccessLog(
                                io.decisionledger.lake.LakeLayout.at(lake.toUri().toString()),
                                Clock.systemUTC())
                        .entries(null, null, e -> true);
        assertThat(entries)
                .extracting(e -> e.getActor() + "|" + e.getChannel())
                .containsExactly("dev.me|CLI-UNAUTHENTICATED");
        assertThat(unknown.code()).isEqualTo(3);
        assertThat(unknown.err()).isEqualTo("refused: not authenticated: unknown API token\n");
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
