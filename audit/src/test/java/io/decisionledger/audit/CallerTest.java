package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Identities for the CLI and the API, token digests, and how times are named in queries. */
class CallerTest {

    @TempDir Path dir;

    @Test
    void readsTheCliIdentityFromAFileOrTheEnvironment() throws Exception {
        Path file = dir.resolve("identity.properties");
        Files.writeString(file, "# mine\nuser = a.officer@bank\nrole = compliance_officer\n");

        Caller fromFile = Caller.fromIdentityFile(file);
        Caller fromEnv = Caller.fromEnvironmentValue("ops.person:operator");

        assertThat(fromFile).isEqualTo(Caller.cli("a.officer@bank", AuditRole.COMPLIANCE_OFFICER));
        assertThat(fromEnv.user()).isEqualTo("ops.person");
        assertThat(fromEnv.role()).isEqualTo(AuditRole.OPERATOR);
        assertThat(fromEnv.channel()).isEqualTo(Caller.Channel.CLI);
    }

    @Test
    void rejectsUnknownRolesAndUnsafeUserNames() {
        assertThatThrownBy(() -> Caller.fromEnvironmentValue("a.officer:auditor"))
                .hasMessageContaining("unknown role");
        assertThatThrownBy(() -> Caller.cli("a officer\nINJECTED", AuditRole.OPERATOR))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Caller.fromEnvironmentValue("nobody"))
                .hasMessageContaining("user:role");
    }

    @Test
    void authenticatesTokensByTheirDigestOnly() throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.writeString(
                tokens,
                "# token digests\n"
                        + ApiTokens.digestHex("s3cret-officer")
                        + " a.officer compliance_officer\n"
                        + ApiTokens.digestHex("s3cret-ops")
                        + "  ops.person   operator\n");

        ApiTokens t = ApiTokens.load(tokens);

        assertThat(Files.readString(tokens)).doesNotContain("s3cret");
        assertThat(t.authenticate("s3cret-officer"))
                .hasValue(
                        new Caller(
                                "a.officer",
                                AuditRole.COMPLIANCE_OFFICER,
                                Caller.Channel.HTTP,
                                null));
        assertThat(t.authenticate("s3cret-ops").orElseThrow().role()).isEqualTo(AuditRole.OPERATOR);
        assertThat(t.authenticate("s3cret-officer ")).isEmpty();
        assertThat(t.authenticate("")).isEmpty();
        assertThat(ApiTokens.digestHex("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void rejectsATokenFileWithAPlainToken() throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "s3cret a.officer compliance_officer\n");

        assertThatThrownBy(() -> ApiTokens.load(tokens)).hasMessageContaining("line 1");
    }

    @Test
    void namesInstantsAndWholeDays() {
        assertThat(TimeBounds.at("2026-03-15"))
                .isEqualTo(Instant.parse("2026-03-15T23:59:59.999999Z"));
        assertThat(TimeBounds.at("2026-03-15T11:21:07.1234567+01:00"))
                .isEqualTo(Instant.parse("2026-03-15T10:21:07.123456Z"));
        assertThat(TimeBounds.from("2026-03-01")).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
        assertThat(TimeBounds.toExclusive("2026-03-31"))
                .isEqualTo(Instant.parse("2026-04-01T00:00:00Z"));
        assertThat(TimeBounds.toExclusive("2026-03-31T10:00:00Z"))
                .isEqualTo(Instant.parse("2026-03-31T10:00:00.000001Z"));
        assertThatThrownBy(() -> TimeBounds.at("15/03/2026")).hasMessageContaining("ISO-8601");
    }

    @Test
    void neverPrintsASubjectValue() {
        Subject s = Subject.user("user_123");

        assertThat(s.toString()).doesNotContain("user_123").isEqualTo("user=<redacted>");
        assertThat(s.kind().column()).isEqualTo("user_id");
        assertThat(Subject.userPseudonym("ab12").kind().identifying()).isFalse();
    }
}
