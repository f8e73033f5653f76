package io.decisionledger.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LegalHoldsTest {

    private static LegalHolds parse(String json) {
        return LegalHolds.parse(json.getBytes(StandardCharsets.UTF_8), "holds.json", "sha");
    }

    @Test
    void theShippedExampleHoldsOneUserAndOneCase() {
        LegalHolds holds =
                LegalHolds.load(Path.of("../deploy/retention/legal-holds.json").toString());
        assertThat(holds.holds()).hasSize(2);
        assertThat(holds.sha256()).hasSize(64);
        assertThat(holds.holdOf("bank_456", "user_1042", null)).isEqualTo("LH-2026-014");
        assertThat(holds.holdOf("bank_456", "user_1043", null)).isNull();
        // a user hold is per tenant: the same user id elsewhere is someone else
        assertThat(holds.holdOf("credit_union_12", "user_1042", null)).isNull();
        assertThat(holds.holdOf("credit_union_12", "user_9", "LN-2019-004211"))
                .isEqualTo("LH-2026-015");
        assertThat(holds.holds().get(0).placedAt()).isEqualTo(LocalDate.of(2026, 10, 1));
        assertThat(holds.holds().get(1).scope()).isEqualTo("case");
        assertThat(holds.tenantHold("bank_456")).isNull();
    }

    @Test
    void aTenantHoldKeepsEveryRecordOfThatTenantOnly() {
        LegalHolds holds =
                parse(
                        "{\"holds\": [{\"id\": \"LH-3\", \"tenant_id\": \"insurer_789\","
                                + " \"reason\": \"class action\", \"placed_by\": \"gc\"}]}");
        assertThat(holds.tenantHold("insurer_789").scope()).isEqualTo("tenant");
        assertThat(holds.holdOf("insurer_789", "anyone", null)).isEqualTo("LH-3");
        assertThat(holds.holdOf("bank_456", "anyone", null)).isNull();
    }

    @Test
    void noHoldsHoldsNothing() {
        assertThat(LegalHolds.none().holdOf("t", "u", "c")).isNull();
        assertThat(parse("{\"holds\": []}").holds()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{}|$.holds must be an array",
                "{\"holds\": [1]}|$.holds[0] must be an object",
                "{\"holds\": [{\"tenant_id\": \"t\", \"reason\": \"r\", \"placed_by\": \"p\"}]}|$.holds[0].id is required",
                "{\"holds\": [{\"id\": \"a\", \"reason\": \"r\", \"placed_by\": \"p\"}]}|$.holds[0].tenant_id is required",
                "{\"holds\": [{\"id\": \"a\", \"tenant_id\": \"t\", \"placed_by\": \"p\"}]}|$.holds[0].reason is required",
                "{\"holds\": [{\"id\": \"a\", \"tenant_id\": \"t\", \"reason\": \"r\"}]}|$.holds[0].placed_by is required",
                "{\"holds\": [{\"id\": \"a\", \"tenant_id\": \"t\", \"reason\": \" \", \"placed_by\": \"p\"}]}|$.holds[0].reason must be a non-empty string",
                "{\"holds\": [{\"id\": \"a\", \"tenant_id\": \"t\", \"user_id\": \"secret-user\", \"case_id\": \"secret-case\", \"reason\": \"r\", \"placed_by\": \"p\"}]}|(hold a) names both user_id and case_id",
                "{\"holds\": [{\"id\": \"a\", \"tenant_id\": \"t\", \"reason\": \"r\", \"placed_by\": \"p\", \"placed_at\": \"yesterday\"}]}|$.holds[0].placed_at must be a date",
                "{\"holds\": [{\"id\": \"a\", \"tenant_id\": \"t\", \"reason\": \"r\", \"placed_by\": \"p\", \"users\": \"secret-user\"}]}|unknown key 'users'",
                "{\"holds\": [{\"id\": \"a\", \"tenant_id\": \"t\", \"reason\": \"r\", \"placed_by\": \"p\"}, {\"id\": \"a\", \"tenant_id\": \"u\", \"reason\": \"r\", \"placed_by\": \"p\"}]}|$.holds[1].id 'a' is used twice",
                "{\"holds\": [{\"id\": \"a\", \"tenant_id\": \"t\", \"user_id\": \"secret-user\", |not valid JSON"
            })
    void refusesABadHoldFileWithoutEchoingWhoIsHeld(String json, String message) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("holds.json: ")
                .hasMessageContaining(message)
                .message()
                .doesNotContain("secret-user")
                .doesNotContain("secret-case");
    }

    @Test
    void anUnreadableFileIsNamedWithoutItsContent() {
        assertThatThrownBy(() -> LegalHolds.load("/nonexistent/holds.json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot read /nonexistent/holds.json");
    }
}
