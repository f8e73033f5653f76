package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Caller names and roles, and how times and subjects are named in queries. */
class CallerTest {

    @Test
    void rejectsUnknownRolesAndUnsafeUserNames() {
        assertThatThrownBy(() -> Caller.selfAsserted("a.officer:auditor:*"))
                .hasMessageContaining("unknown role");
        assertThatThrownBy(() -> Caller.cli("a officer\nINJECTED", AuditRole.OPERATOR))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Caller.selfAsserted("nobody"))
                .hasMessageContaining("user:role:tenants");
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
