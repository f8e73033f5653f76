package io.decisionledger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.access.CliIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's officer authenticates like any CLI caller: the token it mints at start is accepted by
 * the authentication configuration it writes, from a file only its owner may read, and the token
 * itself is not in the token digest file.
 */
class DemoTokenTest {

    @TempDir Path dir;

    @Test
    void mintsATokenTheCliAccepts() throws Exception {
        Path tokenFile = Demo.mintOfficerToken(dir.resolve("auth"));
        Path config = dir.resolve("auth/auth.properties");

        Caller officer =
                CliIdentity.resolve(tokenFile.toString(), config.toString(), null, Map.of());

        assertThat(officer.user()).isEqualTo("demo.officer");
        assertThat(officer.role()).isEqualTo(AuditRole.COMPLIANCE_OFFICER);
        assertThat(officer.tenants().isAll()).isTrue();
        // the demo's configuration is the demo user's own file: only root is vouched for by it
        assertThat(officer.selfAsserted())
                .isEqualTo(!"root".equals(System.getProperty("user.name")));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)))
                .isEqualTo("rw-------");
        String token = Files.readString(tokenFile).strip();
        assertThat(token).hasSize(64);
        assertThat(Files.readString(dir.resolve("auth/api-tokens"))).doesNotContain(token);
        // a second start mints a new token; the old one no longer authenticates
        Demo.mintOfficerToken(dir.resolve("auth"));
        assertThat(Files.readString(tokenFile).strip()).isNotEqualTo(token);
    }
}
