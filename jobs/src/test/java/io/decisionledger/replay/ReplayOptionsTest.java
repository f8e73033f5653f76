package io.decisionledger.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.options.Exit;
import io.decisionledger.options.OptionTable.InvalidOptionException;
import io.decisionledger.privacy.PseudonymKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The replay's command line refuses what would leak: a plain-http endpoint (full prompts and the
 * API key in clear) unless explicitly allowed, credentials in the URL, and an API key variable
 * outside the replay's own namespace (the pseudonymisation key, the caller identity, anything
 * else), each with exit 2 and a message naming the option.
 */
class ReplayOptionsTest {

    private static String[] args(String... more) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "--lake", "file:///tmp/replay-options-test/lake",
                                "--purpose", "test",
                                "--run-id", "run-1"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void refusesAPlainHttpEndpointWithExit2() throws Exception {
        // given a model endpoint over plain http, without --allow-insecure-endpoint
        String[] args = args("--base-url", "http://models.bank.internal/v1");

        // when ReplayJob's main parses it
        Exit.Captured run = Exit.capture(() -> ReplayJob.main(args));

        // then it stops before anything is read or sent, with exit 2 and why
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err())
                .contains("--base-url")
                .contains("https")
                .contains("--allow-insecure-endpoint");
        assertThatThrownBy(() -> ReplayOptions.parse(args))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("https");
    }

    @Test
    void acceptsHttpsAndPlainHttpOnlyWithTheFlag() throws Exception {
        assertThat(ReplayOptions.parse(args("--base-url", "https://api.openai.com/v1")).baseUrl())
                .isEqualTo("https://api.openai.com/v1");
        ReplayOptions local =
                ReplayOptions.parse(
                        args(
                                "--base-url",
                                "http://127.0.0.1:8080/v1",
                                "--allow-insecure-endpoint"));
        assertThat(local.allowInsecureEndpoint()).isTrue();
        // the flag survives the options' round trip (global job parameters, reparse)
        assertThat(ReplayOptions.COMMAND.reparse(local.options()).allowInsecureEndpoint()).isTrue();
    }

    @Test
    void refusesOtherSchemesAndCredentialsInTheUrl() throws Exception {
        assertThatThrownBy(() -> ReplayOptions.parse(args("--base-url", "ftp://models/v1")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("--base-url");
        assertThatThrownBy(
                        () ->
                                ReplayOptions.parse(
                                        args("--base-url", "https://user:sk-secret@models/v1")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("--base-url")
                .hasMessageNotContaining("sk-secret");
    }

    @Test
    void refusesATenantThatIsNotAnIdIngestAccepts() throws Exception {
        // --tenant names a lake folder: a path or a wildcard could read elsewhere
        for (String tenant : List.of("../bank_456", "bank_456/..", "*", "bank 456")) {
            assertThatThrownBy(
                            () ->
                                    ReplayOptions.parse(
                                            args(
                                                    "--base-url",
                                                    "https://models.example/v1",
                                                    "--tenant",
                                                    tenant)))
                    .as(tenant)
                    .isInstanceOf(InvalidOptionException.class)
                    .hasMessageContaining("--tenant is not a valid tenant id");
        }
        assertThat(
                        ReplayOptions.parse(
                                        args(
                                                "--base-url",
                                                "https://models.example/v1",
                                                "--tenant",
                                                "bank_456"))
                                .tenant())
                .isEqualTo("bank_456");
    }

    @Test
    void requiresAnEndpoint() throws Exception {
        // no default endpoint: a default would have been plain http on localhost
        assertThatThrownBy(() -> ReplayOptions.parse(args()))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("--base-url");
    }

    @Test
    void refusesThePseudonymKeyAndOtherVariablesAsTheApiKeySource() throws Exception {
        for (String variable :
                List.of(
                        PseudonymKey.DEFAULT_ENV,
                        "DECISION_LEDGER_AUDIT_IDENTITY",
                        "HOME",
                        "AWS_SECRET_ACCESS_KEY",
                        "DECISION_LEDGER_REPLAY_",
                        "decision_ledger_replay_api_key")) {
            String[] args =
                    args("--base-url", "https://api.openai.com/v1", "--api-key-env", variable);
            Exit.Captured run = Exit.capture(() -> ReplayJob.main(args));
            assertThat(run.code()).as(variable).isEqualTo(2);
            assertThat(run.err())
                    .as(variable)
                    .contains("--api-key-env")
                    .contains("DECISION_LEDGER_REPLAY_");
        }
    }

    @Test
    void takesTheApiKeyOnlyFromTheReplaysOwnVariables() throws Exception {
        ReplayOptions defaults = ReplayOptions.parse(args("--base-url", "https://m/v1"));
        assertThat(defaults.apiKeyEnv()).isEqualTo("DECISION_LEDGER_REPLAY_API_KEY");
        assertThat(
                        ReplayOptions.parse(
                                        args(
                                                "--base-url",
                                                "https://m/v1",
                                                "--api-key-env",
                                                "DECISION_LEDGER_REPLAY_OPENAI_KEY"))
                                .apiKeyEnv())
                .isEqualTo("DECISION_LEDGER_REPLAY_OPENAI_KEY");
    }

    @Test
    void capsResponsesAtOneMebibyteByDefault() throws Exception {
        ReplayOptions defaults = ReplayOptions.parse(args("--base-url", "https://m/v1"));
        assertThat(defaults.maxResponseBytes()).isEqualTo(1024 * 1024);
        assertThat(
                        ReplayOptions.parse(
                                        args(
                                                "--base-url",
                                                "https://m/v1",
                                                "--max-response-bytes",
                                                "65536"))
                                .clientSettings()
                                .maxResponseBytes())
                .isEqualTo(65536);
        assertThatThrownBy(
                        () ->
                                ReplayOptions.parse(
                                        args(
                                                "--base-url",
                                                "https://m/v1",
                                                "--max-response-bytes",
                                                "0")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("--max-response-bytes");
    }
}
