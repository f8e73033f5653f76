package io.decisionledger.decision;

/**
 * Why an input record was quarantined instead of stored. The names are stable: they are written to
 * the {@code reason_code} column of {@code <lake>/quarantine/} and used as a metric label, so
 * dashboards and reprocessing scripts can rely on them. New codes may be added; existing ones are
 * never renamed.
 */
public enum ReasonCode {
    /** The Kafka record had no value or an empty one. */
    EMPTY_RECORD,
    /** The value is larger than the configured maximum record size. */
    RECORD_TOO_LARGE,
    /** The value is not valid UTF-8. */
    INVALID_UTF8,
    /** The value is not well-formed JSON (syntax error, truncated, or trailing content). */
    MALFORMED_JSON,
    /** The value is JSON but not a JSON object. */
    NOT_A_JSON_OBJECT,
    /** An object holds the same key twice: ambiguous, so refused rather than guessed. */
    DUPLICATE_JSON_KEY,
    /** Objects or arrays nested deeper than the parser allows. */
    NESTING_TOO_DEEP,
    /** A required field is absent or null. */
    MISSING_FIELD,
    /** A field has the wrong JSON type (e.g. a string where a number belongs). */
    WRONG_TYPE,
    /** A required text field is empty or blank. */
    EMPTY_FIELD,
    /** An identifier is longer than allowed. */
    FIELD_TOO_LONG,
    /** eventType is not one this job stores. */
    UNKNOWN_EVENT_TYPE,
    /** timestamp is not an ISO-8601 instant with a zone offset. */
    INVALID_TIMESTAMP,
    /** timestamp is before the configured earliest event time or too far in the future. */
    TIMESTAMP_OUT_OF_RANGE,
    /** A number is outside its allowed range (confidence, tokens, temperature, top-p). */
    VALUE_OUT_OF_RANGE,
    /** tenantId has characters that are not allowed in a partition path. */
    INVALID_TENANT_ID,
    /** eventId has characters or a form that is not allowed. */
    INVALID_EVENT_ID,
    /** The same (tenant, eventId) was already stored: a producer retry or a conflicting copy. */
    DUPLICATE_EVENT_ID,
    /**
     * The record's tenant is not bound to the topic or producer it came from ({@code
     * --tenant-bindings}): a producer writing into another tenant's chain.
     */
    TENANT_NOT_ALLOWED
}
