package io.decisionledger.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.testing.TestIdentityProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a command-line caller proves who it is: a token file (API token or JWT) checked against the
 * operators' configuration; the former self-asserted environment variable is refused; the
 * development shortcut is only taken when asked for by name, and marks the caller.
 */
class CliIdentityTest {

    @TempDir Path dir;

    private final TestIdentityProvider idp = new TestIdentityProvider();
    private Path config;

    @BeforeEach
    void configure() throws Exception {
        Path tokens = dir.resolve("api-tokens");
        Files.writeString(
                tokens,
                ApiTokens.digestHex("officer-token") + " cli.officer compliance_officer bank_1\n");
        config = idp.writeAuthConfig(dir.resolve("etc"), tokens);
    }

    private Path tokenFile(String name, String content) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, content + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    @Test
    void refusesTheSelfAssertedEnvironmentIdentity() {
        Map<String, String> env =
                Map.of(Caller.LEGACY_ENV, "j.doe:compliance_officer", "DUMMY", "x");

        assertThatThrownBy(() -> CliIdentity.resolve(null, config.toString(), null, env))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Caller.LEGACY_ENV + " is no longer accepted")
                .hasMessageContaining("--token-file");
        assertThatThrownBy(() -> CliIdentity.resolve(null, config.toString(), null, Map.of()))
                .hasMessageContaining("who is asking?");
    }

    @Test
    void authenticatesAnApiTokenFromTheTokenFileOrTheVariableNamingIt() throws Exception {
        Path file = tokenFile("officer.token", "officer-token");

        Caller byOption = CliIdentity.resolve(file.toString(), config.toString(), null, Map.of());
        Caller byVariable =
                CliIdentity.resolve(
                        null,
                        null,
                        null,
                        Map.of(
                                CliIdentity.TOKEN_FILE_ENV,
                                file.toString(),
                                CliIdentity.AUTH_CONFIG_ENV,
                                config.toString()));

        assertThat(byOption)
                .isEqualTo(
                        new Caller(
                                "cli.officer",
                                AuditRole.COMPLIANCE_OFFICER,
                                Caller.Channel.CLI,
                                null,
                                TenantScope.parse("bank_1"),
                                // the test's configuration is the test user's own file: only
                                // root (the machine's operator) is vouched for by it
                                !ROOT));
        assertThat(byVariable).isEqualTo(byOption);
        assertThat(byOption.channelName()).isEqualTo(ROOT ? "CLI" : "CLI-UNAUTHENTICATED");
    }

    /** Whether the tests run as root (CI does), who owns every file it writes. */
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    @Test
    void aConfigurationTheCallerCanChangeVouchesForNothing(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("auth.properties");
        Files.writeString(config, "tokens = api-tokens\n");
        String owner = Files.getOwner(config).getName();
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        // its owner can chmod and rewrite it; someone else cannot
        assertThat(CliIdentity.controlledBy(config, owner)).isTrue();
        assertThat(CliIdentity.controlledBy(config, "someone.else")).isFalse();
        // writable by the group or the world, or in such a folder: anyone could have written it
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-rw-r--"));
        assertThat(CliIdentity.controlledBy(config, "someone.else")).isTrue();
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(CliIdentity.controlledBy(config, "someone.else")).isTrue();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void authenticatesAJwtFromTheTokenFileAndRefusesAForgedOne() throws Exception {
        Path good =
                tokenFile(
                        "jwt",
                        idp.sign(
                                TestIdentityProvider.claims(
                                                "jwt.officer",
                                                "compliance_officer",
                                                List.of("bank_2"))
                                        .build()));
        Path forged =
                tokenFile(
                        "forged",
                        idp.signWithAnotherKey(
                                TestIdentityProvider.claims(
                                                "jwt.officer", "compliance_officer", "*")
                                        .build()));

        Caller c = CliIdentity.resolve(good.toString(), config.toString(), null, Map.of());

        assertThat(c.user()).isEqualTo("jwt.officer");
        assertThat(c.tenants().tenants()).containsExactly("bank_2");
        assertThatThrownBy(
                        () ->
                                CliIdentity.resolve(
                                        forged.toString(), config.toString(), null, Map.of()))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("Invalid signature");
    }

    @Test
    void refusesAnUnknownTokenATokenFileOthersCanReadAndAMissingConfiguration() throws Exception {
        Path unknown = tokenFile("unknown.token", "guessed-token");
        Path readable = tokenFile("readable.token", "officer-token");
        Files.setPosixFilePermissions(readable, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(
                        () ->
                                CliIdentity.resolve(
                                        unknown.toString(), config.toString(), null, Map.of()))
                .isInstanceOf(AuthenticationException.class)
                .hasMessage("unknown API token");
        assertThatThrownBy(
                        () ->
                                CliIdentity.resolve(
                                        readable.toString(), config.toString(), null, Map.of()))
                .hasMessageContaining("chmod 600");
        assertThatThrownBy(
                        () ->
                                CliIdentity.resolve(
                                        tokenFile("t", "officer-token").toString(),
                                        dir.resolve("missing.properties").toString(),
                                        null,
                                        Map.of()))
                .hasMessageContaining("no authentication configuration at");
    }

    @Test
    void takesASelfAssertedIdentityOnlyByNameAndMarksIt() throws Exception {
        Caller dev = CliIdentity.resolve(null, null, "dev.me:operator:bank_1,bank_2", Map.of());

        assertThat(dev.selfAsserted()).isTrue();
        assertThat(dev.channelName()).isEqualTo("CLI-UNAUTHENTICATED");
        assertThat(dev.tenants().tenants()).containsExactly("bank_1", "bank_2");
        assertThatThrownBy(() -> CliIdentity.resolve(null, null, "dev.me:operator", Map.of()))
                .hasMessageContaining("user:role:tenants");
        assertThatThrownBy(
                        () ->
                                CliIdentity.resolve(
                                        tokenFile("x", "officer-token").toString(),
                                        null,
                                        "dev.me:operator:*",
                                        Map.of()))
                .hasMessageContaining("not both");
    }
}
