package io.decisionledger.rights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErasurePlanTest {

    private static final ErasurePlan PLAN =
            new ErasurePlan(
                    "dsr-1",
                    1,
                    "acme",
                    ErasurePlan.SubjectType.USER,
                    "user-42",
                    List.of("evt-1", "evt-2"),
                    "2026-12-05T06:00:00Z",
                    "officer-1");

    @Test
    void planRoundTripsThroughItsJson() {
        byte[] json = PLAN.toJson();

        assertThat(new String(json, StandardCharsets.UTF_8))
                .contains("\"request_id\" : \"dsr-1\"")
                .contains("\"subject_type\" : \"USER\"");
        assertThat(ErasurePlan.fromJson(json, "plan.json")).isEqualTo(PLAN);
    }

    @Test
    void aPlanWithoutAScopeReadsAsAnErasurePlan() {
        // a plan written before the scope key existed
        String old =
                new String(PLAN.toJson(), StandardCharsets.UTF_8)
                        .replaceAll(",\\s*\"scope\" : \"ERASE\"", "");
        assertThat(old).doesNotContain("scope");

        ErasurePlan read = ErasurePlan.fromJson(old.getBytes(StandardCharsets.UTF_8), "p.json");

        assertThat(read.scope()).isEqualTo(ErasurePlan.Scope.ERASE);
        assertThat(read).isEqualTo(PLAN);
    }

    @Test
    void aRestrictPlanRoundTripsAndAnUnknownScopeIsRefused() {
        ErasurePlan restrict =
                new ErasurePlan(
                        "dsr-1",
                        2,
                        "acme",
                        ErasurePlan.SubjectType.USER,
                        "user-42",
                        List.of("evt-3"),
                        "2026-12-05T06:00:00Z",
                        "officer-1",
                        ErasurePlan.Scope.RESTRICT);
        String json = new String(restrict.toJson(), StandardCharsets.UTF_8);

        assertThat(json).contains("\"scope\" : \"RESTRICT\"");
        assertThat(ErasurePlan.fromJson(restrict.toJson(), "p.json")).isEqualTo(restrict);
        assertThatThrownBy(
                        () ->
                                ErasurePlan.fromJson(
                                        json.replace("RESTRICT", "HIDE")
                                                .getBytes(StandardCharsets.UTF_8),
                                        "p.json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("p.json")
                .hasMessageNotContaining("user-42");
    }

    @Test
    void planWithARepeatedKeyIsRefusedWithoutQuotingIt() {
        String json =
                new String(PLAN.toJson(), StandardCharsets.UTF_8)
                        .replace("\"sequence\" : 1,", "\"sequence\" : 1, \"subject_id\" : \"x\",");

        assertThatThrownBy(
                        () -> ErasurePlan.fromJson(json.getBytes(StandardCharsets.UTF_8), "p.json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("p.json")
                .hasMessageNotContaining("user-42");
    }

    @Test
    void receiptRoundTripsThroughItsJson() {
        ErasureReceipt receipt =
                new ErasureReceipt(
                        "dsr-1",
                        1,
                        "acme",
                        "ab".repeat(32),
                        List.of("evt-1"),
                        1,
                        List.of("prompt_text"),
                        List.of(
                                new ErasureReceipt.RewrittenFile(
                                        "audit",
                                        "a/part-0.parquet",
                                        10,
                                        1,
                                        "00",
                                        "a/part-1.parquet",
                                        "11")),
                        "2026-12-05T06:00:00Z",
                        "2026-12-05T06:00:05Z",
                        "officer-1");

        assertThat(ErasureReceipt.fromJson(receipt.toJson(), "r.json")).isEqualTo(receipt);
    }

    @Test
    void timesMustBeInstants() {
        assertThatThrownBy(
                        () ->
                                new ErasurePlan(
                                        "dsr-1",
                                        1,
                                        "acme",
                                        ErasurePlan.SubjectType.CASE,
                                        "c",
                                        List.of(),
                                        "yesterday",
                                        "o"))
                .hasMessage("evaluated_at must be an ISO-8601 instant");
    }
}
