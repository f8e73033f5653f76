package io.decisionledger.metrics;

import java.time.Instant;

/** Builds {@link DecisionFacts} for tests, the way the job derives them from a decision. */
final class Facts {

    private Facts() {}

    static DecisionFacts of(
            String tenant,
            String modelVersion,
            Instant eventTime,
            Boolean approved,
            Double confidence,
            String finishReason,
            long tokens,
            String userId) {
        DecisionFacts f = new DecisionFacts();
        f.tenantId = tenant;
        f.model = "gpt-4o";
        f.modelVersion = modelVersion;
        f.eventId = "evt-" + tenant + "-" + eventTime + "-" + userId;
        f.eventTimeMicros = eventTime.getEpochSecond() * 1_000_000L + eventTime.getNano() / 1000;
        f.outcome =
                approved == null
                        ? DecisionFacts.NO_DECISION
                        : approved ? DecisionFacts.APPROVED : DecisionFacts.DENIED;
        f.confidence = confidence == null ? Double.NaN : confidence;
        f.responseTokens = tokens;
        f.finishReason = (byte) FinishReason.of(finishReason).ordinal();
        f.userHash = DecisionFacts.userHash(userId);
        return f;
    }

    /** An approved decision with confidence 0.9, 40 tokens, finish reason stop. */
    static DecisionFacts approved(String tenant, Instant eventTime, String userId) {
        return of(tenant, "v1", eventTime, true, 0.9, "stop", 40, userId);
    }

    static DecisionFacts denied(String tenant, Instant eventTime, String userId) {
        return of(tenant, "v1", eventTime, false, 0.6, "stop", 30, userId);
    }
}
