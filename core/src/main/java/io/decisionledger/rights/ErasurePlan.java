package io.decisionledger.rights;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.decisionledger.decision.StrictJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;

/**
 * What one execution of an erasure request must erase: the records (by event id) of one data
 * subject in one tenant that the request's evaluation found free of every legal obligation and
 * hold. The evaluation of a request writes a plan; the erasure job reads it, rewrites the files
 * that hold those records and answers with an {@link ErasureReceipt}. A deferred part of a request
 * gets its own plan on the day its obligation ends ({@code sequence} counts the plans of a
 * request).
 *
 * <p>A plan's {@code scope} says what the job does with its records: {@link Scope#ERASE} (the
 * default: a plan without the key is an erasure plan, as every plan written before the key existed)
 * erases them everywhere; {@link Scope#RESTRICT} only removes their masked rows from the ops copy,
 * for records that must be kept but are restricted (GDPR Art. 18: an erasure deferred under an
 * obligation or held, or a restriction request), and leaves audit, quarantine and the archive as
 * they are.
 *
 * <p>Stored as strict JSON (snake_case keys) under {@code rights/plans/tenant_id=T/} in the lake,
 * an area readable only like audit data: the subject id is personal data.
 */
public record ErasurePlan(
        @JsonProperty("request_id") String requestId,
        @JsonProperty("sequence") int sequence,
        @JsonProperty("tenant_id") String tenantId,
        @JsonProperty("subject_type") SubjectType subjectType,
        @JsonProperty("subject_id") String subjectId,
        @JsonProperty("event_ids") List<String> eventIds,
        @JsonProperty("evaluated_at") String evaluatedAt,
        @JsonProperty("operator") String operator,
        @JsonProperty("scope") Scope scope) {

    /** What the erasure job does with the plan's records. */
    public enum Scope {
        /** Erase them in audit, ops, quarantine (and landing, archive). */
        ERASE,
        /** Remove their masked rows from ops/ only (restriction, Art. 18); audit stays intact. */
        RESTRICT
    }

    /** Whose records: the applicant (decision user_id) or a case (decision case_id). */
    public enum SubjectType {
        USER,
        CASE
    }

    public ErasurePlan {
        requireText(requestId, "request_id");
        requireText(tenantId, "tenant_id");
        Objects.requireNonNull(subjectType, "subject_type");
        requireText(subjectId, "subject_id");
        requireText(operator, "operator");
        requireInstant(evaluatedAt, "evaluated_at");
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence must be ≥ 1, was " + sequence);
        }
        scope = scope == null ? Scope.ERASE : scope;
        eventIds = List.copyOf(Objects.requireNonNull(eventIds, "event_ids"));
        if (eventIds.stream().anyMatch(id -> id == null || id.isBlank())) {
            throw new IllegalArgumentException("event_ids must not hold a blank id");
        }
    }

    /** An erasure plan ({@link Scope#ERASE}). */
    public ErasurePlan(
            String requestId,
            int sequence,
            String tenantId,
            SubjectType subjectType,
            String subjectId,
            List<String> eventIds,
            String evaluatedAt,
            String operator) {
        this(
                requestId,
                sequence,
                tenantId,
                subjectType,
                subjectId,
                eventIds,
                evaluatedAt,
                operator,
                Scope.ERASE);
    }

    /** The plan's JSON (UTF-8). */
    public byte[] toJson() {
        try {
            return StrictJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a plan strictly (unknown or repeated keys refused).
     *
     * @param source names the file in errors
     */
    public static ErasurePlan fromJson(byte[] json, String source) {
        StrictJson.readObject(json, source);
        try {
            return StrictJson.mapper().readValue(json, ErasurePlan.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    source + ": not an erasure plan (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** An ISO-8601 instant ({@code 2026-12-05T06:00:00Z}), as {@link Instant#toString()} writes. */
    static void requireInstant(String value, String name) {
        requireText(value, name);
        try {
            Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be an ISO-8601 instant");
        }
    }

    static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }
}
