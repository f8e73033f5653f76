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

    public static ParsedDecision accepted(DecisionRecord decision, byte[] raw) {
        ParsedDecision p = new ParsedDecision();
        p.decision = decision;
        p.raw = raw;
        return p;
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
