package io.decisionledger.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.schema.ChainAnchor;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.RetentionSummary;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionSummariesTest {

    private static final RetentionSummaries.Context CTX =
            new RetentionSummaries.Context(
                    "bank_456",
                    "2018-05-10",
                    3,
                    "P7Y",
                    "v1",
                    "run1",
                    Instant.parse("2026-03-20T02:30:00Z"));

    private static DecisionRecord record(
            String id, String version, long seq, Boolean approved, Double confidence, int minute) {
        DecisionRecord r = new DecisionRecord();
        r.setEventId(id);
        r.setModel("gpt-4o");
        r.setModelVersion(version);
        r.setEventTime(Instant.parse("2018-05-10T10:00:00Z").plusSeconds(60L * minute));
        r.setDecisionApproved(approved);
        r.setDecisionConfidence(confidence);
        r.setChainShard(0);
        r.setChainSeq(seq);
        r.setPrevHash("h" + (seq - 1));
        r.setHash("h" + seq);
        return r;
    }

    private static final List<DecisionRecord> DELETED =
            List.of(
                    record("e5", "v2", 5, true, 0.9, 4),
                    record("e1", "v1", 1, true, 0.8, 0),
                    record("e2", "v1", 2, false, 0.4, 1),
                    record("e3", "v1", 3, null, null, 2),
                    record("e7", "v2", 7, false, 0.3, 3),
                    record("e8", "v1", 8, true, 0.6, 9));

    @Test
    void oneSummaryPerModelVersionWithCountsOutcomesAndChainEnds() {
        List<RetentionSummary> s = RetentionSummaries.summaries(DELETED, CTX);

        assertThat(s).hasSize(2);
        RetentionSummary v1 = s.get(0);
        assertThat(v1.getModelVersion()).isEqualTo("v1");
        assertThat(v1.getRecords()).isEqualTo(4);
        assertThat(v1.getApproved()).isEqualTo(2);
        assertThat(v1.getDenied()).isEqualTo(1);
        assertThat(v1.getUndecided()).isEqualTo(1);
        assertThat(v1.getMeanConfidence()).isCloseTo((0.8 + 0.4 + 0.6) / 3, within());
        assertThat(v1.getFirstChainSeq()).isEqualTo(1);
        assertThat(v1.getFirstHash()).isEqualTo("h1");
        assertThat(v1.getLastChainSeq()).isEqualTo(8);
        assertThat(v1.getLastHash()).isEqualTo("h8");
        assertThat(v1.getFirstEventTime()).isEqualTo(Instant.parse("2018-05-10T10:00:00Z"));
        assertThat(v1.getLastEventTime()).isEqualTo(Instant.parse("2018-05-10T10:09:00Z"));
        assertThat(v1.getDeletedEventIdsSha256())
                .isEqualTo(RetentionSummaries.idsDigest(List.of("e8", "e3", "e2", "e1")));
        assertThat(v1.getHeldRecords()).isEqualTo(3);
        assertThat(v1.getRetentionPeriod()).isEqualTo("P7Y");
        RetentionSummary v2 = s.get(1);
        assertThat(v2.getRecords()).isEqualTo(2);
        assertThat(v2.getFirstChainSeq()).isEqualTo(5);
        assertThat(v2.getLastChainSeq()).isEqualTo(7);
    }

    @Test
    void theIdsDigestIsOrderIndependentAndMatchesItsDocumentedDefinition() {
        // sha256("a\nb\n")
        assertThat(RetentionSummaries.idsDigest(List.of("b", "a")))
                .isEqualTo(RetentionSummaries.idsDigest(List.of("a", "b")))
                .isEqualTo(sha256("a\nb\n"));
    }

    @Test
    void anchorsAreTheRunsOfConsecutivePositionsWithTheirBoundaryHashes() {
        List<ChainAnchor> anchors = RetentionSummaries.anchors(DELETED, CTX);

        assertThat(anchors)
                .extracting(
                        ChainAnchor::getFromSeq,
                        ChainAnchor::getToSeq,
                        ChainAnchor::getFromPrevHash,
                        ChainAnchor::getToHash)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1L, 3L, "h0", "h3"),
                        org.assertj.core.groups.Tuple.tuple(5L, 5L, "h4", "h5"),
                        org.assertj.core.groups.Tuple.tuple(7L, 8L, "h6", "h8"));
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-12);
    }

    private static String sha256(String s) {
        return java.util.HexFormat.of()
                .formatHex(
                        PolicyFiles.digest()
                                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
