package io.decisionledger.bench.lake;

import io.decisionledger.chain.ChainHasher;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.schema.DecisionRecord;
import java.time.Instant;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * The synthetic decisions the bench lakes are made of (the point-query, incremental-verify and
 * erasure lakes), and the hash chain that links them as the ingest job would. One shape for all: a
 * short credit decision of one user (one-line prompt, response and reasoning, no documents), so
 * that millions are written in minutes. Each generator draws the user, event id and time in its own
 * way and keeps its own random sequence (its cached lakes stay valid); the rest is drawn here, in a
 * fixed order: approval, confidence, case id, response tokens, source partition.
 */
public final class BenchDecisions {

    private BenchDecisions() {}

    /**
     * A decision of {@code user} at {@code eventTime}, by gpt-4o-2024-08-06, without content hash
     * or chain fields; callers override what their lake needs (model version, prompt, hashes).
     *
     * @param day the day's index, for the source offset
     * @param i the record's index in its day, for the source offset
     */
    public static DecisionRecord.Builder decision(
            SplittableRandom rnd,
            String tenantId,
            String user,
            String eventId,
            Instant eventTime,
            int day,
            long i) {
        boolean approved = rnd.nextInt(10) < 7;
        double confidence = Math.round(rnd.nextDouble() * 1000) / 1000.0;
        String caseId = "case-" + rnd.nextInt(1_000_000);
        return DecisionRecord.newBuilder()
                .setEventId(eventId)
                .setEventIdDerived(false)
                .setEventType("AI_DECISION")
                .setEventTime(eventTime)
                .setTenantId(tenantId)
                .setUserId(user)
                .setCaseId(caseId)
                .setModel("gpt-4o")
                .setModelVersion("gpt-4o-2024-08-06")
                .setPrompt("Assess application " + caseId + " of " + user + " for 12,500 EUR.")
                .setSystemPrompt("You are the credit assistant of " + tenantId + ".")
                .setResponseContent(
                        "{\"approved\":" + approved + ",\"confidence\":" + confidence + "}")
                .setResponseTokens((long) (20 + rnd.nextInt(200)))
                .setResponseFinishReason("stop")
                .setTemperature(0.2)
                .setDecisionApproved(approved)
                .setDecisionConfidence(confidence)
                .setDecisionReasoning(approved ? "Income covers the rate." : "Debt ratio high.")
                .setSourceTopic("ai-decisions")
                .setSourcePartition(rnd.nextInt(6))
                .setSourceOffset((long) day * 1_000_000 + i)
                .setIngestTime(eventTime.plusSeconds(2))
                .setContentSha256("");
    }

    /**
     * One hash chain (shard 0 of a tenant) as the ingest job links it: each record gets layout 3
     * (schemas/CANONICAL.md section 8) with its salt and content hash, then the next seq, the
     * previous hash and its own hash.
     */
    public static final class Chain {
        private final ChainHasher hasher = new ChainHasher();
        private final CanonicalContent content = new CanonicalContent();
        private long seq;
        private String prevHash;

        private Chain(long seq, String prevHash) {
            this.seq = seq;
            this.prevHash = prevHash;
        }

        /** A new chain, or the continuation of the one whose last record is {@code tail}. */
        public static Chain after(DecisionRecord tail) {
            return tail == null
                    ? new Chain(0, ChainHasher.GENESIS)
                    : new Chain(tail.getChainSeq(), tail.getHash());
        }

        /** Seals {@code r} with {@code salt} and appends it to the chain. */
        public DecisionRecord link(DecisionRecord r, byte[] salt) {
            r.setRecordLayout(3);
            r.setFieldSalt(HexFormat.of().formatHex(salt));
            r.setContentSha256(content.layout3(r, salt).contentSha256());
            r.setChainShard(0);
            r.setChainSeq(++seq);
            r.setPrevHash(prevHash);
            r.setHash(hasher.hash(prevHash, r));
            prevHash = r.getHash();
            return r;
        }
    }
}
