package io.decisionledger.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.testing.Proves;
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
    @Proves({"Reg-B-1002.12-b"})
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
                "{\"holds\": [{\"id\": \"a\", \"tenant_id\": \"t\", \"user_id\": \"secret-user\", |not valid JSON",
                "{\"holds\": [{\"id\": \"a\", \"tenant_id\": \"bank/456\", \"reason\": \"r\", \"placed_by\": \"p\"}]}|$.holds[0].tenant_id (hold a) can match no record: tenantId must start with a letter or digit",
                "{\"holds\": [{\"id\": \"a\", \"tenant_id\": \"t\", \"user_id\": \"secret-user\\u0000\", \"reason\": \"r\", \"placed_by\": \"p\"}]}|$.holds[0].user_id (hold a) can match no record: user id must not contain control characters",
                "{\"holds\": [{\"id\": \"a\", \"tenant_id\": \"t\", \"case_id\": \"secret\\ncase\", \"reason\": \"r\", \"placed_by\": \"p\"}]}|$.holds[0].case_id (hold a) can match no record: case id must not contain control characters",
                "{\"holds\": [{\"id\": \"secret-user hold\", \"tenant_id\": \"t\", \"reason\": \"r\", \"placed_by\": \"p\"}]}|$.holds[0].id must be a reference such as LH-2026-014",
                "{\"holds\": [{\"id\": \"a\", \"tenant_id\": \"t\", \"user_id\": \"secret-user\", \"reason\": \"r\", \"placed_by\": \"p\", \"placed_by\": \"q\"}]}|a key is repeated ('placed_by') at line 1"
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
    void aRepeatedKeyIsRefusedInsteadOfSilentlyMeaningNoHolds() {
        // given a hold file whose second "holds" (an editing slip) would win over the first
        String json =
                "{\"holds\": [{\"id\": \"LH-1\", \"tenant_id\": \"bank_456\", \"user_id\":"
                        + " \"user_1042\", \"reason\": \"appeal\", \"placed_by\": \"legal\"}],\n"
                        + " \"holds\": []}";

        // when it is read, then it is refused, naming the key and line, not the held user
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "holds.json: a key is repeated ('holds') at line 2; a repeated key is"
                                + " ambiguous, so the file is refused")
                .message()
                .doesNotContain("user_1042");
        // a repeated key inside a hold too
        assertThatThrownBy(
                        () ->
                                parse(
                                        "{\"holds\": [{\"id\": \"LH-1\", \"tenant_id\": \"bank_456\","
                                                + " \"user_id\": \"user_1042\", \"user_id\": \"x\","
                                                + " \"reason\": \"r\", \"placed_by\": \"p\"}]}"))
                .hasMessageContaining("a key is repeated ('user_id')");
        // and content after the object
        assertThatThrownBy(() -> parse("{\"holds\": []} {\"holds\": []}"))
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void holdValuesAreTrimmedSoAStraySpaceStillProtects() {
        // given a hand-edited hold with spaces around its ids
        LegalHolds holds =
                parse(
                        "{\"holds\": [{\"id\": \" LH-1 \", \"tenant_id\": \" bank_456\","
                                + " \"user_id\": \"user_1042 \", \"reason\": \"r\","
                                + " \"placed_by\": \"p\"},"
                                + " {\"id\": \"LH-2\", \"tenant_id\": \"bank_456\","
                                + " \"case_id\": \"\\tLN-7\", \"reason\": \"r\","
                                + " \"placed_by\": \"p\"}]}");

        // then the stored ids match, trimmed on both sides
        assertThat(holds.holdOf("bank_456", "user_1042", null)).isEqualTo("LH-1");
        assertThat(holds.holdOf("bank_456", " user_1042", null)).isEqualTo("LH-1");
        assertThat(holds.holdOf("bank_456", "user_9", "LN-7")).isEqualTo("LH-2");
        assertThat(holds.holds().get(0).tenantId()).isEqualTo("bank_456");
    }

    @Test
    void aQuarantinedRowIsHeldWhenItsRawInputMayBelongToAHeldTenantUserOrCase() {
        LegalHolds holds =
                parse(
                        "{\"holds\": [{\"id\": \"LH-1\", \"tenant_id\": \"bank_456\","
                                + " \"user_id\": \"user/1042\", \"reason\": \"r\","
                                + " \"placed_by\": \"p\"},"
                                + " {\"id\": \"LH-2\", \"tenant_id\": \"bank_456\","
                                + " \"case_id\": \"LN-7\", \"reason\": \"r\", \"placed_by\": \"p\"},"
                                + " {\"id\": \"LH-3\", \"tenant_id\": \"insurer_789\","
                                + " \"reason\": \"r\", \"placed_by\": \"p\"}]}");

        // the user id as sent, and JSON-escaped
        assertThat(holds.quarantineHoldOf("bank_456", raw("{\"userId\": \"user/1042\", \"x\"")))
                .isEqualTo("LH-1");
        assertThat(holds.quarantineHoldOf("bank_456", raw("{\"userId\": \"user\\/1042\"")))
                .isEqualTo("LH-1");
        assertThat(holds.quarantineHoldOf("bank_456", raw("{\"userId\": \"user\\u002f1042\"")))
                .isEqualTo("LH-1");
        assertThat(holds.quarantineHoldOf("bank_456", raw("{\"caseId\": \"LN-7\"}")))
                .isEqualTo("LH-2");
        // a tenant-wide hold keeps its tenant's rows whatever they hold
        assertThat(holds.quarantineHoldOf("insurer_789", raw("garbage"))).isEqualTo("LH-3");
        // tenant unreadable: any hold's tenant, user or case in the bytes keeps the row
        assertThat(holds.quarantineHoldOf(null, raw("{\"tenantId\": \"insurer_789\", \"us")))
                .isEqualTo("LH-3");
        assertThat(holds.quarantineHoldOf(null, raw("\u0000 user/1042"))).isEqualTo("LH-1");
        // a row of another tenant, or naming no held id, is not held
        assertThat(holds.quarantineHoldOf("credit_union_12", raw("{\"userId\": \"user/1042\"")))
                .isNull();
        assertThat(holds.quarantineHoldOf("bank_456", raw("{\"userId\": \"user_9\"}"))).isNull();
        assertThat(holds.quarantineHoldOf(null, null)).isNull();
        assertThat(LegalHolds.none().quarantineHoldOf(null, raw("user/1042"))).isNull();
    }

    private static byte[] raw(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anUnreadableFileIsNamedWithoutItsContent() {
        assertThatThrownBy(() -> LegalHolds.load("/nonexistent/holds.json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot read /nonexistent/holds.json");
    }
}
