package io.decisionledger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.decision.ReasonCode;
import io.decisionledger.testkit.SampleDecisions;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The demo's rights step needs an applicant with decisions on both sides of Reg B's 25 months: the
 * applicant is not the (held) first applicant, keeps their recent decisions, and gains two
 * decisions from 30 months ago under their own user id and tenant, which the sample's expected
 * counts include (one of them re-sent, so quarantined once).
 */
class DemoApplicantTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-12-05T08:00:00Z");

    @Test
    void applicantHasRecentAndThirtyMonthOldDecisions() throws Exception {
        SampleDecisions.Sample generated = SampleDecisions.generate(2026, 2000, 15, 10, NOW);
        Demo.Applicant a = Demo.applicant(generated, NOW);

        String heldUser = user(generated.valid().get(0));
        assertThat(a.userId()).isNotEqualTo(heldUser);
        assertThat(a.recent()).isNotEmpty();
        for (SampleDecisions.Event e : a.recent()) {
            assertThat(e.tenantId()).isEqualTo(a.tenantId());
            assertThat(user(e)).isEqualTo(a.userId());
        }
        assertThat(a.old()).hasSize(2);
        Set<String> caseIds = new HashSet<>();
        generated.valid().forEach(e -> caseIds.add(tree(e).get("caseId").asText()));
        for (SampleDecisions.Event e : a.old()) {
            JsonNode v = tree(e);
            assertThat(e.tenantId()).isEqualTo(a.tenantId());
            assertThat(v.get("tenantId").asText()).isEqualTo(a.tenantId());
            assertThat(v.get("userId").asText()).isEqualTo(a.userId());
            assertThat(v.get("eventId").asText()).isEqualTo(e.eventId());
            LocalDate day =
                    Instant.parse(v.get("timestamp").asText()).atZone(ZoneOffset.UTC).toLocalDate();
            // older than Reg B's 25 months (+ 1 day), so erased now
            assertThat(day).isBefore(LocalDate.of(2024, 11, 4));
            assertThat(day).isAfter(LocalDate.of(2024, 5, 1));
            // the demo's check looks for the erased decisions' case ids: unique in the sample
            assertThat(caseIds).doesNotContain(v.get("caseId").asText());
        }

        SampleDecisions.Sample sample = Demo.withOldDecisions(generated, a);
        assertThat(sample.acceptedTotal()).isEqualTo(generated.acceptedTotal() + 2);
        assertThat(sample.acceptedPerTenant().get(a.tenantId()))
                .isEqualTo(generated.acceptedPerTenant().get(a.tenantId()) + 2);
        assertThat(sample.quarantinedTotal()).isEqualTo(generated.quarantinedTotal() + 1);
        assertThat(sample.quarantinedPerReason().get(ReasonCode.DUPLICATE_EVENT_ID))
                .isEqualTo(generated.quarantinedPerReason().get(ReasonCode.DUPLICATE_EVENT_ID) + 1);
        assertThat(sample.events()).hasSize(generated.events().size() + 3);
        // the re-send comes after its original
        assertThat(sample.events().get(sample.events().size() - 1)).isSameAs(a.old().get(0));
        assertThat(sample.events().indexOf(a.old().get(0))).isLessThan(sample.events().size() - 1);
    }

    private static String user(SampleDecisions.Event e) {
        return tree(e).get("userId").asText();
    }

    private static JsonNode tree(SampleDecisions.Event e) {
        try {
            return JSON.readTree(e.value());
        } catch (java.io.IOException x) {
            throw new IllegalStateException(x);
        }
    }
}
