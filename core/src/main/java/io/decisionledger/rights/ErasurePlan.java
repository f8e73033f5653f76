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
        @JsonProperty("operator") String operator) {

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
        eventIds = List.copyOf(Objects.requireNonNull(eventIds, "event_ids"));
        if (eventIds.stream().anyMatch(id -> id == null || id.isBlank())) {
            throw new IllegalArgumentException("event_ids must not hold a blank id");
        }
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
