package io.decisionledger.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token file: digests only, a role and a tenant grant per token, old lines refused loudly. */
class ApiTokensTest {

    @TempDir Path dir;

    @Test
    void authenticatesTokensByTheirDigestOnlyWithTheirTenants() throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.writeString(
                tokens,
                "# token digests\n"
                        + ApiTokens.digestHex("s3cret-officer")
                        + " a.officer compliance_officer bank_1,bank_2\n"
                        + ApiTokens.digestHex("s3cret-ops")
                        + "  ops.person   operator  *\n");

        ApiTokens t = ApiTokens.load(tokens);

        assertThat(Files.readString(tokens)).doesNotContain("s3cret");
        assertThat(t.authenticate("s3cret-officer"))
                .hasValue(
                        new Caller(
                                "a.officer",
                                AuditRole.COMPLIANCE_OFFICER,
                                Caller.Channel.HTTP,
                                null,
                                TenantScope.parse("bank_1,bank_2"),
                                false));
        assertThat(t.authenticate("s3cret-ops", Caller.Channel.CLI).orElseThrow())
                .extracting(Caller::role, Caller::channel, c -> c.tenants().isAll())
                .containsExactly(AuditRole.OPERATOR, Caller.Channel.CLI, true);
        assertThat(t.authenticate("s3cret-officer ")).isEmpty();
        assertThat(t.authenticate("")).isEmpty();
        assertThat(ApiTokens.digestHex("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void refusesALineWithoutTenantsNamingTheMigration() throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.writeString(
                tokens,
                ApiTokens.digestHex("t1")
                        + " a.officer compliance_officer *\n"
                        + ApiTokens.digestHex("t2")
                        + " old.officer compliance_officer\n");

        assertThatThrownBy(() -> ApiTokens.load(tokens))
                .hasMessageContaining("line 2 grants no tenant")
                .hasMessageContaining("or * for every tenant")
                .hasMessageContaining("Compatibility");
    }

    @Test
    void refusesATokenFileWithAPlainToken() throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "s3cret a.officer compliance_officer *\n");

        assertThatThrownBy(() -> ApiTokens.load(tokens)).hasMessageContaining("line 1");
    }
}
