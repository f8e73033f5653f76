package io.decisionledger.bench.events;

import io.decisionledger.decision.ReasonCode;

/**
 * One Kafka record of a benchmark's input, with what the ingest job must make of it.
 *
 * @param kind valid, malformed or a re-send of an earlier valid event
 * @param key the Kafka key: {@code tenant:eventId}, so a re-send lands in its original's partition
 * @param value the record value, the JSON wire format of docs/design.md (or a broken form of it)
 * @param tenantId the tenant of a valid event or re-send; null for malformed records
 * @param eventId the event id of a valid event or re-send; null for malformed records
 * @param expectedReason why ingest must quarantine it; null for a valid event
 */
public record GeneratedEvent(
        Kind kind,
        String key,
        byte[] value,
        String tenantId,
        String eventId,
        ReasonCode expectedReason) {

    /** What a record is, from the ingest job's point of view. */
    public enum Kind {
        /** Stored in audit/. */
        VALID,
        /** Quarantined by the parser with {@link GeneratedEvent#expectedReason()}. */
        MALFORMED,
        /** An exact re-send of an earlier valid event: quarantined as DUPLICATE_EVENT_ID. */
        DUPLICATE
    }
}
