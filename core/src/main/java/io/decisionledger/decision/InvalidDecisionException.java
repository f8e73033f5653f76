package io.decisionledger.decision;

/**
 * Raised inside {@link DecisionParser} when an input cannot become a stored decision. It never
 * escapes the parser: it becomes a quarantine record. Its message names fields and rules, never
 * field values, because values may be personal data.
 */
final class InvalidDecisionException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ReasonCode reason;

    InvalidDecisionException(ReasonCode reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    ReasonCode reason() {
        return reason;
    }
}
