package io.decisionledger.chain;

import io.decisionledger.schema.DecisionRecord;
import java.time.Instant;

/**
 * What it takes to recompute one record's chain hash without seeing the record: its content hash
 * (which commits to every content field) and its provenance fields, with its links. A proof that a
 * decision is in its chain up to a published head is a run of these: they carry no personal data of
 * the other applicants whose decisions sit between the two.
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
        Instant ingestTime) {

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
                r.getIngestTime());
    }

    /** The hash these fields give after {@code prevHash}, by {@link ChainHasher} (DLR1). */
    public String recompute(ChainHasher hasher) {
        DecisionRecord partial = new DecisionRecord();
        partial.setContentSha256(contentSha256);
        partial.setEventIdDerived(eventIdDerived);
        partial.setSourceTopic(sourceTopic);
        partial.setSourcePartition(sourcePartition);
        partial.setSourceOffset(sourceOffset);
        partial.setIngestTime(ingestTime);
        return hasher.hash(prevHash, partial);
    }
}
