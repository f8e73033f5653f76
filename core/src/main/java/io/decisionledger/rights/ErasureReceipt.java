package io.decisionledger.rights;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.decisionledger.decision.StrictJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;

/**
 * The proof that one {@link ErasurePlan} was executed: which records lost which fields, which files
 * were rewritten (with the SHA-256 of each file before and after), when, and by whom. The erasure
 * job writes it; the request log records its SHA-256 in the request's EXECUTED entry, which chains
 * it with the requests. It names event ids and files, never a personal value. {@code warnings} says
 * what the erasure could not do fully (e.g. layout-2 records, whose kept digests are unsalted), in
 * words an auditor reads; empty when nothing is to be said.
 *
 * <p>{@code scope} is the plan's ({@link ErasurePlan.Scope}; absent in receipts written before it
 * existed, which are ERASE). Under {@code RESTRICT}, {@code records_erased} counts the plan's
 * records whose masked rows were removed from ops/ (their audit records are intact, not erased) and
 * {@code fields} is {@code ops.*}.
 */
public record ErasureReceipt(
        @JsonProperty("request_id") String requestId,
        @JsonProperty("plan_sequence") int planSequence,
        @JsonProperty("tenant_id") String tenantId,
        @JsonProperty("plan_sha256") String planSha256,
        @JsonProperty("event_ids") List<String> eventIds,
        @JsonProperty("records_erased") long recordsErased,
        @JsonProperty("fields") List<String> fields,
        @JsonProperty("files") List<RewrittenFile> files,
        @JsonProperty("started_at") String startedAt,
        @JsonProperty("finished_at") String finishedAt,
        @JsonProperty("operator") String operator,
        @JsonProperty("warnings") List<String> warnings,
        @JsonProperty("scope") ErasurePlan.Scope scope) {

    /** One file the erasure replaced: its dataset-relative path and content before and after. */
    public record RewrittenFile(
            @JsonProperty("dataset") String dataset,
            @JsonProperty("path") String path,
            @JsonProperty("rows") long rows,
            @JsonProperty("rows_erased") long rowsErased,
            @JsonProperty("before_sha256") String beforeSha256,
            @JsonProperty("after_path") String afterPath,
            @JsonProperty("after_sha256") String afterSha256) {}

    public ErasureReceipt {
        ErasurePlan.requireText(requestId, "request_id");
        ErasurePlan.requireText(tenantId, "tenant_id");
        ErasurePlan.requireText(planSha256, "plan_sha256");
        ErasurePlan.requireText(operator, "operator");
        ErasurePlan.requireInstant(startedAt, "started_at");
        ErasurePlan.requireInstant(finishedAt, "finished_at");
        eventIds = List.copyOf(Objects.requireNonNull(eventIds, "event_ids"));
        fields = List.copyOf(Objects.requireNonNull(fields, "fields"));
        files = List.copyOf(Objects.requireNonNull(files, "files"));
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
        scope = scope == null ? ErasurePlan.Scope.ERASE : scope;
    }

    /** The receipt of an ERASE plan. */
    public ErasureReceipt(
            String requestId,
            int planSequence,
            String tenantId,
            String planSha256,
            List<String> eventIds,
            long recordsErased,
            List<String> fields,
            List<RewrittenFile> files,
            String startedAt,
            String finishedAt,
            String operator,
            List<String> warnings) {
        this(
                requestId,
                planSequence,
                tenantId,
                planSha256,
                eventIds,
                recordsErased,
                fields,
                files,
                startedAt,
                finishedAt,
                operator,
                warnings,
                ErasurePlan.Scope.ERASE);
    }

    /** A receipt with nothing to warn about. */
    public ErasureReceipt(
            String requestId,
            int planSequence,
            String tenantId,
            String planSha256,
            List<String> eventIds,
            long recordsErased,
            List<String> fields,
            List<RewrittenFile> files,
            String startedAt,
            String finishedAt,
            String operator) {
        this(
                requestId,
                planSequence,
                tenantId,
                planSha256,
                eventIds,
                recordsErased,
                fields,
                files,
                startedAt,
                finishedAt,
                operator,
                List.of());
    }

    /** The receipt's JSON (UTF-8). */
    public byte[] toJson() {
        try {
            return StrictJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a receipt strictly (unknown or repeated keys refused). */
    public static ErasureReceipt fromJson(byte[] json, String source) {
        StrictJson.readObject(json, source);
        try {
            return StrictJson.mapper().readValue(json, ErasureReceipt.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    source + ": not an erasure receipt (" + e.getClass().getSimpleName() + ")");
        }
    }
}
