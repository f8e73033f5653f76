package io.decisionledger.decision;

import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ModelVersionCard;
import io.decisionledger.schema.QuarantineRecord;

/**
 * One Kafka record after parsing, as it travels between operators: either an accepted decision
 * (with the raw bytes it came from, in case the de-duplicator has to quarantine it), a registered
 * model card, or a quarantine record. A Flink POJO, so it is serialised field by field with Avro
 * for the records.
 */
public class ParsedDecision {
    /** The accepted decision, or null. */
    public DecisionRecord decision;

    /** The record value as received, kept alongside {@link #decision}; null for rejections. */
    public byte[] raw;

    /** The quarantine record when the input was refused, or null. */
    public QuarantineRecord rejected;

    /**
     * The decision's de-duplication fingerprint (hex SHA-256 "DLC2" over its 24 field digests),
     * computed by the parser; not stored in the lake. See {@link #fingerprint()}.
     */
    public String fingerprint;

    /** The model card of a MODEL_VERSION_REGISTERED event, or null. */
    public ModelVersionCard card;

    public ParsedDecision() {}

    public static ParsedDecision registered(ModelVersionCard card) {
        ParsedDecision p = new ParsedDecision();
        p.card = card;
        return p;
    }

    public boolean isCard() {
        return card != null;
    }

    /** An accepted decision as the parser returned it, with its fingerprint. */
    public static ParsedDecision accepted(ParseOutcome outcome, byte[] raw) {
        ParsedDecision p = accepted(outcome.decision(), raw);
        p.fingerprint = outcome.fingerprint();
        return p;
    }

    /** An accepted decision; its fingerprint is computed on first use. */
    public static ParsedDecision accepted(DecisionRecord decision, byte[] raw) {
        ParsedDecision p = new ParsedDecision();
        p.decision = decision;
        p.raw = raw;
        return p;
    }

    /**
     * The decision's fingerprint: lower-case hex SHA-256("DLC2" ‖ d_1 ‖ … ‖ d_24), equal for every
     * delivery of the same event whatever their salts (schemas/CANONICAL.md section 8), and equal
     * to the content_sha256 layout-2 records carried. What the de-duplicator compares; null for
     * cards and rejections.
     */
    public String fingerprint() {
        if (fingerprint == null && decision != null) {
            fingerprint = new CanonicalContent().sha256Hex(decision);
        }
        return fingerprint;
    }

    public static ParsedDecision rejected(QuarantineRecord rejected) {
        ParsedDecision p = new ParsedDecision();
        p.rejected = rejected;
        return p;
    }

    public boolean isAccepted() {
        return decision != null;
    }
}
