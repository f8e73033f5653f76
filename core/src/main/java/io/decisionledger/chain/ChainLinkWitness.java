package io.decisionledger.chain;

import io.decisionledger.schema.DecisionRecord;
import java.time.Instant;

/**
 * What it takes to recompute one record's chain hash without seeing the record: its layout, its
 * content hash (which commits to every content field), its provenance fields and (layout 3) its
 * model-card link columns, with its links. A proof that a decision is in its chain up to a
 * published head is a run of these: they carry no personal data of the other applicants whose
 * decisions sit between the two.
 */
public record ChainLinkWitness(
        long chainSeq,
        String prevHash,
        String hash,
        String contentSha256,
        boolean eventIdDerived,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        Instant ingestTime,
        Integer recordLayout,
        String modelCardId,
        String modelCardSha256,
        String modelCardStatus) {

    public static ChainLinkWitness of(DecisionRecord r) {
        return new ChainLinkWitness(
                r.getChainSeq(),
                r.getPrevHash(),
                r.getHash(),
                r.getContentSha256(),
                r.getEventIdDerived(),
                r.getSourceTopic(),
                r.getSourcePartition(),
                r.getSourceOffset(),
                r.getIngestTime(),
                r.getRecordLayout(),
                r.getModelCardId(),
                r.getModelCardSha256(),
                r.getModelCardStatus());
    }

    /** The layout the witness's record was written under; null when unknown. */
    public RecordLayout layout() {
        return RecordLayout.of(recordLayout);
    }

    /**
     * The hash these fields give after {@code prevHash}, by {@link ChainHasher} (DLR1 or DLR3).
     *
     * @throws IllegalArgumentException when the layout is unknown
     */
    public String recompute(ChainHasher hasher) {
        DecisionRecord partial = new DecisionRecord();
        partial.setContentSha256(contentSha256);
        partial.setEventIdDerived(eventIdDerived);
        partial.setSourceTopic(sourceTopic);
        partial.setSourcePartition(sourcePartition);
        partial.setSourceOffset(sourceOffset);
        partial.setIngestTime(ingestTime);
        partial.setRecordLayout(recordLayout);
        partial.setModelCardId(modelCardId);
        partial.setModelCardSha256(modelCardSha256);
        partial.setModelCardStatus(modelCardStatus);
        return hasher.hash(prevHash, partial);
    }
}
