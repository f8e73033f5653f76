package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.chain.ChainHasher;
import io.decisionledger.chain.ChainProof;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.decision.CanonicalContentTestVector;
import io.decisionledger.privacy.RecordErasure;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What an evidence bundle says about the hash layout of its record: the chain proof names the
 * layout and carries the witnesses' card links, the page states what the layout covers and what was
 * erased, and record.json written before the layout columns existed still reads as layout 2.
 */
class LayoutEvidenceTest {

    private static final byte[] SALT = HexFormat.of().parseHex("0f".repeat(32));

    /** The section-5 record as the first record of its chain, under layout 3 or layout 2. */
    private static DecisionRecord stored(boolean layout3) {
        DecisionRecord r = CanonicalContentTestVector.record();
        r.setEventIdDerived(false);
        r.setSourceTopic("ai-decisions");
        r.setSourcePartition(1);
        r.setSourceOffset(4242L);
        r.setIngestTime(Instant.parse("2026-03-15T10:21:08.000001Z"));
        r.setModelCardId("meta_abc123");
        r.setModelCardSha256("ab".repeat(32));
        r.setModelCardStatus("LINKED");
        if (layout3) {
            r.setRecordLayout(3);
            r.setFieldSalt(HexFormat.of().formatHex(SALT));
            r.setContentSha256(new CanonicalContent().layout3(r, SALT).contentSha256());
        } else {
            r.setContentSha256(CanonicalContentTestVector.SHA256);
        }
        r.setChainShard(0);
        r.setChainSeq(1L);
        r.setPrevHash(ChainHasher.GENESIS);
        r.setHash(new ChainHasher().hash(ChainHasher.GENESIS, r));
        return r;
    }

    private static ChainProof proofOf(DecisionRecord r) {
        ChainHead head = new ChainHead();
        head.setTenantId(r.getTenantId());
        head.setChainShard(0);
        head.setChainSeq(1L);
        head.setHash(r.getHash());
        head.setEventId(r.getEventId());
        head.setPublishedAt(Instant.parse("2026-03-15T10:22:00Z"));
        return new ChainProof(r.getTenantId(), 0, 1, null, List.of(), head, "heads.parquet");
    }

    private static String page(DecisionRecord r) {
        ChainProof proof = proofOf(r);
        return EvidenceHtml.render(
                new EvidenceHtml.Page(
                        r,
                        null,
                        proof,
                        proof.verify(r),
                        List.of(),
                        Map.of(),
                        Instant.parse("2026-04-02T00:00:00Z"),
                        Caller.cli("a.officer@bank", AuditRole.COMPLIANCE_OFFICER),
                        "Complaint C-1",
                        1));
    }

    @Test
    void thePageOfALayoutThreeRecordSaysTheCardLinkIsVerified() {
        String html = page(stored(true));

        assertThat(html)
                .contains("Integrity: VERIFIED")
                .contains(
                        "Verified under layout 3 (DLC3/DLR3): content, chain link and model-card"
                                + " link verified.")
                .contains("LINKED, card meta_abc123 (covered by the record hash)")
                .doesNotContain("Personal data erased");
    }

    @Test
    void thePageOfALayoutTwoRecordSaysTheCardLinkIsNotCovered() {
        String html = page(stored(false));

        assertThat(html)
                .contains("Integrity: VERIFIED")
                .contains(
                        "Verified under layout 2 (DLC2/DLR1): model-card link columns not covered"
                                + " by the hash.")
                .contains("(not covered by the record hash)");
    }

    @Test
    void thePageOfAnErasedRecordSaysWhatWasErasedWhenAndWhy() {
        DecisionRecord r = stored(true);
        RecordErasure.erase(
                r, List.of("user_id"), "erasure-2026-0001", Instant.parse("2026-04-01T12:00:00Z"));

        String html = page(r);

        assertThat(html)
                .contains("Integrity: VERIFIED")
                .contains("Personal data erased: case_id, context_metadata_json,")
                .contains("user_id, on 1 April 2026, 12:00:00 UTC under erasure request")
                .contains("erasure-2026-0001")
                .doesNotContain("user_123");
    }

    @Test
    void aLayoutThreeProofRoundTripsThroughItsJsonWithTheWitnessesCardLinks() {
        DecisionRecord first = stored(true);
        DecisionRecord second = DecisionRecord.newBuilder(first).build();
        second.setChainSeq(2L);
        second.setPrevHash(first.getHash());
        second.setHash(new ChainHasher().hash(first.getHash(), second));
        ChainHead head = proofOf(second).head();
        ChainProof proof =
                new ChainProof(
                        first.getTenantId(),
                        0,
                        1,
                        null,
                        List.of(io.decisionledger.chain.ChainLinkWitness.of(second)),
                        head,
                        "heads.parquet");
        head.setChainSeq(2L);

        ObjectNode json = ChainProofJson.toJson(proof, proof.verify(first));
        ChainProof back = ChainProofJson.fromJson(json);

        assertThat(json.get("format").asText()).isEqualTo(ChainProofJson.FORMAT_3);
        assertThat(json.get("record_layout").asText())
                .isEqualTo(
                        "layout 3 (DLC3/DLR3): content, chain link and model-card link verified");
        JsonNode witness = json.get("following").get(0);
        assertThat(witness.get("record_layout").asInt()).isEqualTo(3);
        assertThat(witness.get("model_card_status").asText()).isEqualTo("LINKED");
        assertThat(back.verify(first)).allMatch(ChainProof.Check::ok);
        // a witness whose card link was changed in the bundle no longer recomputes
        ((ObjectNode) json.get("following").get(0)).put("model_card_status", "NO_CARD");
        assertThat(ChainProofJson.fromJson(json).verify(first))
                .filteredOn(c -> !c.ok())
                .extracting(ChainProof.Check::name)
                .containsExactly("links to the following records", "published chain head");
    }

    @Test
    void readsARecordJsonWrittenBeforeTheLayoutColumnsAsLayoutTwo() {
        DecisionRecord r = stored(false);
        ObjectNode json = RecordJson.toJson(r);
        for (String column :
                List.of(
                        "record_layout",
                        "field_salt",
                        "erased_columns_json",
                        "erasure_request_id",
                        "erased_at")) {
            json.remove(column);
        }

        DecisionRecord back = RecordJson.fromJson(json, new DecisionRecord());

        assertThat(back).isEqualTo(r);
        assertThat(proofOf(back).verify(back)).allMatch(ChainProof.Check::ok);
        assertThat(ChainProof.verifiedLayout(proofOf(back).verify(back)))
                .isEqualTo(io.decisionledger.chain.RecordLayout.LAYOUT_2);
    }
}
