package io.decisionledger.rights;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.decisionledger.decision.StrictJson;
import io.decisionledger.rights.ErasurePlan.SubjectType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * One entry of a tenant's data-subject request log ({@link RequestLog}): a request as it arrived or
 * one change of its state. Entries are never changed; a request's history is the entries that carry
 * its {@code request_id}, in {@code seq} order, and its current state is the last of them. Each
 * entry repeats the request's kind, subject, received date and requester reference, so every entry
 * reads on its own and the hash covers them all.
 *
 * <p>Stored as strict JSON (snake_case keys) under {@code rights/requests/tenant_id=T/}: the
 * subject id is personal data, so the area is read like audit data.
 *
 * @param seq the entry's position in the tenant's log (1, 2, …, gap-free)
 * @param state what happened to the request with this entry
 * @param until for DEFERRED: the day the deferred part may be erased (ISO date); else null
 * @param receiptSha256 for EXECUTED: the SHA-256 of the erasure receipt file; else null
 * @param reason why (REFUSED, DEFERRED, lifted restriction …); free text, may be null
 * @param detailsJson the evaluation per record and the obligations (a JSON object), or null
 * @param subjectRestricted whether the subject's records are restricted (Art. 18) from this entry
 *     on, as far as this request is concerned
 * @param prevHash the previous entry's hash (64 zeros for the first)
 * @param hash {@link RequestLogHasher} over this entry after {@code prevHash}
 */
public record RequestEntry(
        @JsonProperty("seq") long seq,
        @JsonProperty("request_id") String requestId,
        @JsonProperty("tenant_id") String tenantId,
        @JsonProperty("kind") Kind kind,
        @JsonProperty("subject_type") SubjectType subjectType,
        @JsonProperty("subject_id") String subjectId,
        @JsonProperty("received_date") String receivedDate,
        @JsonProperty("requester_reference") String requesterReference,
        @JsonProperty("state") State state,
        @JsonProperty("until") String until,
        @JsonProperty("receipt_sha256") String receiptSha256,
        @JsonProperty("reason") String reason,
        @JsonProperty("details_json") String detailsJson,
        @JsonProperty("subject_restricted") boolean subjectRestricted,
        @JsonProperty("logged_by") String loggedBy,
        @JsonProperty("logged_by_role") String loggedByRole,
        @JsonProperty("channel") String channel,
        @JsonProperty("recorded_at") String recordedAt,
        @JsonProperty("prev_hash") String prevHash,
        @JsonProperty("hash") String hash) {

    /** The right the data subject exercises. */
    public enum Kind {
        /** Art. 15: a copy of everything held, and the logic involved. */
        ACCESS,
        /** Art. 18: keep, but use for nothing but legal claims and obligations. */
        RESTRICTION,
        /** Art. 17: erase, unless an obligation or a legal claim requires keeping. */
        ERASURE
    }

    /** What an entry records. */
    public enum State {
        /** The request arrived and was logged. */
        RECEIVED,
        /** The request was evaluated (details: the decision per record and its reasons). */
        EVALUATED,
        /** Part of an erasure waits until {@code until} (an obligation); restricted meanwhile. */
        DEFERRED,
        /** Part of an erasure waits for a legal hold's release; restricted meanwhile. */
        HELD,
        /** An erasure plan was written (details: the plan's path and sequence). */
        PLANNED,
        /** An erasure plan was executed (receipt_sha256 chains the receipt). */
        EXECUTED,
        /** The subject's records are restricted (Art. 18). */
        RESTRICTED,
        /** A restriction ended (reason says why). */
        LIFTED,
        /** The request was refused (reason says why). */
        REFUSED,
        /** An access export was produced and handed over. */
        ANSWERED,
        /** Nothing is left to do for the request. */
        COMPLETED
    }

    public RequestEntry {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(subjectType, "subject_type");
        Objects.requireNonNull(state, "state");
    }

    /** The entry with {@code hash} set. */
    RequestEntry withHash(String newHash) {
        return new RequestEntry(
                seq,
                requestId,
                tenantId,
                kind,
                subjectType,
                subjectId,
                receivedDate,
                requesterReference,
                state,
                until,
                receiptSha256,
                reason,
                detailsJson,
                subjectRestricted,
                loggedBy,
                loggedByRole,
                channel,
                recordedAt,
                prevHash,
                newHash);
    }

    /** The entry's JSON (UTF-8). */
    public byte[] toJson() {
        try {
            return StrictJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads an entry strictly; errors name the source, never a value. */
    public static RequestEntry fromJson(byte[] json, String source) {
        StrictJson.readObject(json, source);
        try {
            return StrictJson.mapper().readValue(json, RequestEntry.class);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    source + ": not a request-log entry (" + e.getClass().getSimpleName() + ")");
        }
    }
}
