package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.chain.ChainHasher;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.decision.CanonicalContentTestVector;
import io.decisionledger.schema.DecisionRecord;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The JSON form of a record is exact: a bundle's record.json reads back into a record whose content
 * hash and chain hash are the stored ones.
 */
class RecordJsonTest {

    private static DecisionRecord stored() {
        DecisionRecord r = CanonicalContentTestVector.record();
        r.setContentSha256(CanonicalContentTestVector.SHA256);
        r.setEventIdDerived(false);
        r.setSourceTopic("ai-decisions");
        r.setSourcePartition(1);
        r.setSourceOffset(4242L);
        r.setIngestTime(Instant.parse("2026-03-15T10:21:08.000001Z"));
        r.setChainShard(0);
        r.setChainSeq(1L);
        r.setPrevHash(ChainHasher.GENESIS);
        r.setHash(new ChainHasher().hash(ChainHasher.GENESIS, r));
        return r;
    }

    @Test
    void roundTripsEveryColumnExactly() throws Exception {
        DecisionRecord r = stored();

        String text = RecordJson.MAPPER.writeValueAsString(RecordJson.toJson(r));
        DecisionRecord back =
                RecordJson.fromJson(RecordJson.MAPPER.readTree(text), new DecisionRecord());

        assertThat(back).isEqualTo(r);
        assertThat(new CanonicalContent().sha256Hex(back)).isEqualTo(r.getContentSha256());
        assertThat(new ChainHasher().hash(back.getPrevHash(), back)).isEqualTo(r.getHash());
        JsonNode json = RecordJson.MAPPER.readTree(text);
        assertThat(json.get("event_time").asText()).isEqualTo("2026-03-15T10:21:07.123456Z");
        assertThat(json.get("top_p").asDouble()).isEqualTo(1.0);
        assertThat(json.get("context_relevant_documents")).hasSize(3);
        assertThat(json.get("chain_seq").asLong()).isEqualTo(1);
    }

    @Test
    void aChangedValueChangesTheContentHash() throws Exception {
        ObjectNode json = RecordJson.toJson(stored());
        json.put("decision_reasoning", "Strong credit score, stable incomes");

        DecisionRecord back = RecordJson.fromJson(json, new DecisionRecord());

        assertThat(new CanonicalContent().sha256Hex(back)).isNotEqualTo(back.getContentSha256());
    }

    @Test
    void namesTheColumnNotTheValueWhenAMemberIsWrong() {
        ObjectNode json = RecordJson.toJson(stored());
        json.put("max_tokens", "five hundred");
        ObjectNode missing = RecordJson.toJson(stored());
        missing.remove("user_id");

        assertThatThrownBy(() -> RecordJson.fromJson(json, new DecisionRecord()))
                .hasMessage("column max_tokens has the wrong JSON type");
        assertThatThrownBy(() -> RecordJson.fromJson(missing, new DecisionRecord()))
                .hasMessage("column user_id is missing");
        ObjectNode nulled = RecordJson.toJson(stored());
        nulled.putNull("prompt");
        assertThatThrownBy(() -> RecordJson.fromJson(nulled, new DecisionRecord()))
                .hasMessage("column prompt may not be null");
    }

    @Test
    void escapesEveryValueOnTheEvidencePage() {
        assertThat(EvidenceHtml.esc("<script>alert('x')</script> & \"q\""))
                .isEqualTo("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    }
}
