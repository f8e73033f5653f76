package io.decisionledger.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.chain.ChainLinkWitness;
import io.decisionledger.chain.ChainProof;
import io.decisionledger.chain.RecordLayout;
import io.decisionledger.schema.ChainHead;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code chain-proof.json} file of an evidence bundle: a {@link ChainProof} in plain JSON (hex
 * hashes, ISO-8601 times, provenance values), the outcome of each check when the bundle was made,
 * and the recomputation steps in words, so that an auditor can redo them with any SHA-256 tool and
 * schemas/CANONICAL.md.
 */
final class ChainProofJson {

    /** The format of a proof for a layout-2 record (and of every proof made before layout 3). */
    static final String FORMAT = "decision-ledger chain proof v1 (DLC2 content, DLR1 chain)";

    /** The format of a proof for a layout-3 record. */
    static final String FORMAT_3 =
            "decision-ledger chain proof v2 (layout 3: DLC3 content, DLR3 chain; layout 2:"
                    + " DLC2, DLR1)";

    /** The recomputation steps for a layout-3 record (CANONICAL.md section 8). */
    private static final List<String> STEPS_3 =
            List.of(
                    "0. Layout: record_layout 3 in record.json (null means layout 2, see the"
                            + " DLC2/DLR1 steps of CANONICAL.md sections 2-3).",
                    "1. Content hash: for each of the 24 content columns d_i = SHA-256 of its"
                            + " encoding (CANONICAL.md section 1); for the personal columns (5, 6,"
                            + " 10-14, 18, 23, 24) c_i = HMAC-SHA256(key = the 32 bytes of"
                            + " field_salt, 'DLF3' ‖ u8(i) ‖ d_i), else c_i = d_i; a column named"
                            + " in erased_columns_json takes the hex c_i kept there. SHA-256('DLC3'"
                            + " ‖ c_1 ‖ … ‖ c_24) must equal content_sha256.",
                    "2. Record hash: SHA-256 over the 32 bytes of prev_hash, 'DLR3', the 32 bytes"
                            + " of content_sha256, and the digests of event_id_derived,"
                            + " source_topic, source_partition, source_offset, ingest_time,"
                            + " model_card_id, model_card_sha256, model_card_status (CANONICAL.md"
                            + " section 8); it must equal hash.",
                    "3. Previous link: recompute the predecessor's hash the same way from its"
                            + " witness, under the witness's record_layout; it must equal the"
                            + " record's prev_hash (or prev_hash is 64 zeros at seq 1).",
                    "4. Following links: for each following witness in seq order, its prev_hash"
                            + " must equal the hash before it, and recomputing it under its"
                            + " record_layout must give its hash.",
                    "5. Head: the last hash must equal the published chain head (tenant, shard,"
                            + " seq, hash) from chain/heads/; compare that head with the copy kept"
                            + " where the ingest job cannot write.");

    private static final List<String> STEPS =
            List.of(
                    "1. Content hash: SHA-256 over the 4 bytes 'DLC2' followed by the SHA-256 digest"
                            + " of each of the 24 content columns of record.json in schema order"
                            + " (CANONICAL.md sections 1-2); it must equal content_sha256.",
                    "2. Record hash: SHA-256 over the 32 bytes of prev_hash, 'DLR1', the 32 bytes of"
                            + " content_sha256, and the digests of event_id_derived, source_topic,"
                            + " source_partition, source_offset, ingest_time (CANONICAL.md section 3);"
                            + " it must equal hash.",
                    "3. Previous link: recompute the predecessor's hash the same way from its witness"
                            + " (its content_sha256 and provenance); it must equal the record's"
                            + " prev_hash (or prev_hash is 64 zeros at seq 1).",
                    "4. Following links: for each following witness in seq order, its prev_hash must"
                            + " equal the hash before it, and recomputing it must give its hash.",
                    "5. Head: the last hash must equal the published chain head (tenant, shard, seq,"
                            + " hash) from chain/heads/; compare that head with the copy kept where"
                            + " the ingest job cannot write.");

    private ChainProofJson() {}

    static ObjectNode toJson(ChainProof proof, List<ChainProof.Check> checks) {
        return toJson(proof, checks, ChainProof.verifiedLayout(checks));
    }

    /** The proof of a record written under {@code layout}: the format and steps follow it. */
    static ObjectNode toJson(ChainProof proof, List<ChainProof.Check> checks, RecordLayout layout) {
        ObjectNode out = RecordJson.MAPPER.createObjectNode();
        boolean layout3 = layout == RecordLayout.LAYOUT_3;
        out.put("format", layout3 ? FORMAT_3 : FORMAT);
        if (layout != null) {
            out.put("record_layout", layout.describe());
        }
        out.put("tenant_id", proof.tenantId());
        out.put("chain_shard", proof.chainShard());
        out.put("chain_seq", proof.chainSeq());
        out.set("previous", proof.previous() == null ? null : witness(proof.previous()));
        ArrayNode following = out.putArray("following");
        proof.following().forEach(w -> following.add(witness(w)));
        if (proof.head() == null) {
            out.putNull("head");
        } else {
            ObjectNode h = RecordJson.toJson(proof.head());
            h.put("file", proof.headFile());
            out.set("head", h);
        }
        ArrayNode cs = out.putArray("checks_at_creation");
        for (ChainProof.Check c : checks) {
            cs.addObject().put("check", c.name()).put("ok", c.ok()).put("detail", c.detail());
        }
        ArrayNode steps = out.putArray("steps");
        (layout3 ? STEPS_3 : STEPS).forEach(steps::add);
        return out;
    }

    static ChainProof fromJson(JsonNode json) {
        List<ChainLinkWitness> following = new ArrayList<>();
        for (JsonNode w : required(json, "following")) {
            following.add(witness(w));
        }
        JsonNode prev = json.get("previous");
        JsonNode head = json.get("head");
        ChainHead h = null;
        String headFile = null;
        if (head != null && !head.isNull()) {
            ObjectNode copy = ((ObjectNode) head).deepCopy();
            JsonNode file = copy.remove("file");
            headFile = file == null ? null : file.asText();
            h = RecordJson.fromJson(copy, new ChainHead());
        }
        return new ChainProof(
                required(json, "tenant_id").asText(),
                required(json, "chain_shard").asInt(),
                required(json, "chain_seq").asLong(),
                prev == null || prev.isNull() ? null : witness(prev),
                following,
                h,
                headFile);
    }

    private static ObjectNode witness(ChainLinkWitness w) {
        ObjectNode o = RecordJson.MAPPER.createObjectNode();
        o.put("chain_seq", w.chainSeq());
        o.put("prev_hash", w.prevHash());
        o.put("hash", w.hash());
        o.put("content_sha256", w.contentSha256());
        o.put("event_id_derived", w.eventIdDerived());
        o.put("source_topic", w.sourceTopic());
        o.put("source_partition", w.sourcePartition());
        o.put("source_offset", w.sourceOffset());
        o.put("ingest_time", w.ingestTime().toString());
        // layout-2 witnesses keep the members they always had, so old proofs read the same
        if (w.recordLayout() != null) {
            o.put("record_layout", w.recordLayout());
            o.put("model_card_id", w.modelCardId());
            o.put("model_card_sha256", w.modelCardSha256());
            o.put("model_card_status", w.modelCardStatus());
        }
        return o;
    }

    private static ChainLinkWitness witness(JsonNode o) {
        return new ChainLinkWitness(
                required(o, "chain_seq").asLong(),
                required(o, "prev_hash").asText(),
                required(o, "hash").asText(),
                required(o, "content_sha256").asText(),
                required(o, "event_id_derived").asBoolean(),
                required(o, "source_topic").asText(),
                required(o, "source_partition").asInt(),
                required(o, "source_offset").asLong(),
                Instant.parse(required(o, "ingest_time").asText()),
                optional(o, "record_layout") == null ? null : required(o, "record_layout").asInt(),
                optional(o, "model_card_id"),
                optional(o, "model_card_sha256"),
                optional(o, "model_card_status"));
    }

    /** A member absent from proofs made before layout 3: null when missing or null. */
    private static String optional(JsonNode o, String name) {
        JsonNode v = o.get(name);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static JsonNode required(JsonNode o, String name) {
        JsonNode v = o.get(name);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("chain-proof.json: '" + name + "' is missing");
        }
        return v;
    }
}
