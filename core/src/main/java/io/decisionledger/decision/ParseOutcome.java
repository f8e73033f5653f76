package io.decisionledger.decision;

import io.decisionledger.schema.DecisionRecord;

/**
 * What {@link DecisionParser} made of one input: either a decision ready to store, or the reason it
 * must be quarantined. The tenant and event id of a rejected input are kept when they could be read
 * and are themselves valid, so quarantine can be triaged per tenant.
 */
public final class ParseOutcome {
    private final DecisionRecord decision;
    private final ReasonCode reason;
    private final String detail;
    private final String tenantId;
    private final String eventId;
    private final String fingerprint;

    private ParseOutcome(
            DecisionRecord decision,
            String fingerprint,
            ReasonCode reason,
            String detail,
            String tenantId,
            String eventId) {
        this.decision = decision;
        this.fingerprint = fingerprint;
        this.reason = reason;
        this.detail = detail;
        this.tenantId = tenantId;
        this.eventId = eventId;
    }

    static ParseOutcome accepted(DecisionRecord decision, String fingerprint) {
        return new ParseOutcome(
                decision, fingerprint, null, null, decision.getTenantId(), decision.getEventId());
    }

    static ParseOutcome rejected(
            ReasonCode reason, String detail, String tenantId, String eventId) {
        return new ParseOutcome(null, null, reason, detail, tenantId, eventId);
    }

    /**
     * The decision's de-duplication fingerprint: lower-case hex SHA-256("DLC2" ‖ d_1 ‖ … ‖ d_24),
     * the same for every delivery of the same event (schemas/CANONICAL.md section 8); null when
     * rejected.
     */
    public String fingerprint() {
        return fingerprint;
    }

    public boolean isAccepted() {
        return decision != null;
    }

    /** The decision, or null when rejected. */
    public DecisionRecord decision() {
        return decision;
    }

    /** The reason, or null when accepted. */
    public ReasonCode reason() {
        return reason;
    }

    /** What was wrong, naming fields and rules but never values; null when accepted. */
    public String detail() {
        return detail;
    }

    public String tenantId() {
        return tenantId;
    }

    public String eventId() {
        return eventId;
    }

    @Override
    public String toString() {
        return isAccepted()
                ? "accepted(" + decision.getEventId() + ")"
                : "rejected(" + reason + ": " + detail + ")";
    }
}
