package io.decisionledger.audit;

import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.decision.DecisionParser;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.OpsDecisionRecord;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The audit trail's questions, with their rules: "what did the AI decide about this person at this
 * instant" (decision-at), "everything about this person in a period" (history), "this event"
 * (event), and "who looked" (access log). Used by the {@code audit} CLI command and the audit HTTP
 * API alike, so both enforce the same roles:
 *
 * <ul>
 *   <li>a compliance officer reads full records from {@code audit/}, states a purpose, and every
 *       such read is written to the access log before the records are returned;
 *   <li>an operator reads the masked copies in {@code ops/}, by event id or pseudonym; asking for a
 *       real user or case id, a full record, the access log or a bundle is refused;
 *   <li>either reads only the tenants its role is granted for ({@link Caller#tenants()}): asking
 *       for another tenant is refused before any file of the lake is touched, and the refusal is
 *       written to the access log (outcome {@code REFUSED}).
 * </ul>
 */
public final class AuditQueries {

    /** Full records (audit/) or masked copies (ops/). */
    public enum View {
        FULL,
        MASKED;

        /** {@code full} or {@code masked}, as the CLI and the API name them. */
        public static View parse(String name) {
            for (View v : values()) {
                if (v.name().equalsIgnoreCase(name == null ? "" : name.strip())) {
                    return v;
                }
            }
            throw new IllegalArgumentException("the view must be full or masked");
        }
    }

    /** What an operator's masked reads read, as a refusal names it. */
    static final String DATASET_MASKED = "ops/decisions";

    private final LakeLayout lake;
    private final AccessLog accessLog;
    private final DecisionScan<DecisionRecord> audit;
    private final DecisionScan<OpsDecisionRecord> ops;

    public AuditQueries(LakeLayout lake, Clock clock) {
        this.lake = lake;
        this.accessLog = new AccessLog(lake, clock);
        this.audit = DecisionScan.audit(lake);
        this.ops = DecisionScan.ops(lake);
    }

    public LakeLayout lake() {
        return lake;
    }

    public AccessLog accessLog() {
        return accessLog;
    }

    /** The latest decision about {@code subject} at or before {@code at} (inclusive). */
    public QueryResult decisionAt(
            Caller caller, String purpose, String tenant, Subject subject, Instant at)
            throws IOException {
        View view = viewForSubject(caller, subject);
        // stored times have microseconds: a finer instant would only blur the "at" shown
        at = at.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        Map<String, String> query = query(tenant, subject);
        query.put("at", at.toString());
        requireTenant(caller, purpose, AccessLog.Action.DECISION_AT, view, tenant, query);
        ScanStats stats = new ScanStats();
        if (view == View.FULL) {
            requirePurpose(purpose);
            Optional<DecisionScan.Found<DecisionRecord>> found =
                    audit.latestAtOrBefore(tenant, subject, at, stats);
            return full(
                    caller,
                    purpose,
                    AccessLog.Action.DECISION_AT,
                    tenant,
                    query,
                    found.stream().toList(),
                    stats);
        }
        Optional<DecisionScan.Found<OpsDecisionRecord>> found =
                ops.latestAtOrBefore(tenant, subject, at, stats);
        return masked(AccessLog.Action.DECISION_AT, tenant, query, found.stream().toList(), stats);
    }

    /** Every decision about {@code subject} with {@code from <= event time < toExclusive}. */
    public QueryResult history(
            Caller caller,
            String purpose,
            String tenant,
            Subject subject,
            Instant from,
            Instant toExclusive)
            throws IOException {
        if (!from.isBefore(toExclusive)) {
            throw new IllegalArgumentException(
                    "the history range is empty: 'from' must be before 'to'");
        }
        View view = viewForSubject(caller, subject);
        Map<String, String> query = query(tenant, subject);
        query.put("from", from.toString());
        query.put("to_exclusive", toExclusive.toString());
        requireTenant(caller, purpose, AccessLog.Action.HISTORY, view, tenant, query);
        ScanStats stats = new ScanStats();
        if (view == View.FULL) {
            requirePurpose(purpose);
            return full(
                    caller,
                    purpose,
                    AccessLog.Action.HISTORY,
                    tenant,
                    query,
                    audit.between(tenant, subject, from, toExclusive, stats),
                    stats);
        }
        return masked(
                AccessLog.Action.HISTORY,
                tenant,
                query,
                ops.between(tenant, subject, from, toExclusive, stats),
                stats);
    }

    /**
     * One decision by event id: the full record for a compliance officer, the masked copy for an
     * operator (or for anyone asking for {@link View#MASKED}).
     *
     * @param requested null for the role's default view
     */
    public QueryResult event(
            Caller caller, String purpose, String tenant, String eventId, View requested)
            throws IOException {
        requireReader(caller);
        if (eventId == null || eventId.isBlank()) {
            throw new IllegalArgumentException("an event id is required");
        }
        View view =
                requested != null
                        ? requested
                        : caller.role().readsFullRecords() ? View.FULL : View.MASKED;
        if (view == View.FULL && !caller.role().readsFullRecords()) {
            throw refusedFullRecords(caller);
        }
        Map<String, String> query = new LinkedHashMap<>();
        query.put("tenant", tenant);
        query.put("event_id", eventId);
        requireTenant(caller, purpose, AccessLog.Action.EVENT, view, tenant, query);
        ScanStats stats = new ScanStats();
        if (view == View.FULL) {
            requirePurpose(purpose);
            return full(
                    caller,
                    purpose,
                    AccessLog.Action.EVENT,
                    tenant,
                    query,
                    audit.byEventId(tenant, eventId, stats).stream().toList(),
                    stats);
        }
        return masked(
                AccessLog.Action.EVENT,
                tenant,
                query,
                ops.byEventId(tenant, eventId, stats).stream().toList(),
                stats);
    }

    /**
     * Access-log entries (compliance officers only; the read is itself logged, with the ids of the
     * entries returned), optionally narrowed to a tenant, an event id, an actor and access dates.
     * With {@code verify}, the whole chain is re-checked and the result attached.
     */
    public QueryResult readAccessLog(
            Caller caller,
            String purpose,
            String tenant,
            String eventId,
            String actor,
            LocalDate from,
            LocalDate to,
            boolean verify)
            throws IOException {
        requireReader(caller);
        if (!caller.role().readsFullRecords()) {
            throw new AccessRefusedException(
                    "role "
                            + caller.role().id()
                            + " may not read the access log: it is restricted to compliance officers");
        }
        requirePurpose(purpose);
        Map<String, String> query = new LinkedHashMap<>();
        putIfSet(query, "tenant", tenant);
        putIfSet(query, "event_id", eventId);
        putIfSet(query, "actor", actor);
        putIfSet(query, "from", from == null ? null : from.toString());
        putIfSet(query, "to", to == null ? null : to.toString());
        if (verify) {
            query.put("verify", "true");
        }
        if (!caller.tenants().permits(tenant)) {
            refuse(
                    caller,
                    purpose,
                    AccessLog.Action.ACCESS_LOG,
                    AccessLog.DATASET_ACCESS_LOG,
                    tenant,
                    query);
        }
        Predicate<AccessLogEntry> filter =
                e ->
                        (tenant == null || tenant.equals(e.getTenantId()))
                                && (eventId == null || e.getRecordIds().contains(eventId))
                                && (actor == null || actor.equals(e.getActor()));
        ScanStats stats = new ScanStats();
        List<AccessLogEntry> entries = accessLog.entries(from, to, filter);
        AccessLog.Verification verification = verify ? accessLog.verify() : null;
        AccessLogEntry logged =
                accessLog.record(
                        new AccessLog.Access(
                                caller,
                                AccessLog.Action.ACCESS_LOG,
                                purpose,
                                AccessLog.DATASET_ACCESS_LOG,
                                tenant,
                                entries.stream().map(AccessLogEntry::getAccessId).toList(),
                                query));
        stats.finish();
        return new QueryResult(
                AccessLog.Action.ACCESS_LOG,
                tenant,
                View.FULL,
                query,
                new ArrayList<>(entries),
                entries.stream().map(e -> (String) null).toList(),
                stats,
                logged,
                verification);
    }

    /**
     * The full record of one event, for an evidence bundle: role and purpose are checked, the read
     * is NOT yet logged (the bundle logs it once it has everything it will write).
     */
    Optional<DecisionScan.Found<DecisionRecord>> recordForBundle(
            Caller caller, String purpose, String tenant, String eventId, ScanStats stats)
            throws IOException {
        requireReader(caller);
        if (!caller.role().readsFullRecords()) {
            throw new AccessRefusedException(
                    "role "
                            + caller.role().id()
                            + " may not build evidence bundles: they hold full records; ask a compliance officer");
        }
        Map<String, String> query = new LinkedHashMap<>();
        query.put("tenant", tenant);
        query.put("event_id", eventId);
        requireTenant(caller, purpose, AccessLog.Action.BUNDLE, View.FULL, tenant, query);
        requirePurpose(purpose);
        return audit.byEventId(tenant, eventId, stats);
    }

    private <T extends SpecificRecordBase> QueryResult full(
            Caller caller,
            String purpose,
            AccessLog.Action action,
            String tenant,
            Map<String, String> query,
            List<DecisionScan.Found<T>> found,
            ScanStats stats)
            throws IOException {
        stats.finish();
        // Logged before anything is returned: a read that cannot be logged does not happen.
        AccessLogEntry logged =
                accessLog.record(
                        new AccessLog.Access(
                                caller,
                                action,
                                purpose,
                                AccessLog.DATASET_DECISIONS,
                                tenant,
                                found.stream()
                                        .map(f -> (String) f.record().get("event_id"))
                                        .toList(),
                                query));
        return new QueryResult(
                action,
                tenant,
                View.FULL,
                query,
                found.stream().map(f -> (SpecificRecordBase) f.record()).toList(),
                found.stream().map(DecisionScan.Found::file).toList(),
                stats,
                logged,
                null);
    }

    private static <T extends SpecificRecordBase> QueryResult masked(
            AccessLog.Action action,
            String tenant,
            Map<String, String> query,
            List<DecisionScan.Found<T>> found,
            ScanStats stats) {
        stats.finish();
        return new QueryResult(
                action,
                tenant,
                View.MASKED,
                query,
                found.stream().map(f -> (SpecificRecordBase) f.record()).toList(),
                found.stream().map(DecisionScan.Found::file).toList(),
                stats,
                null,
                null);
    }

    private static View viewForSubject(Caller caller, Subject subject) {
        requireReader(caller);
        if (subject.kind().identifying()) {
            if (!caller.role().readsFullRecords()) {
                throw refusedFullRecords(caller);
            }
            return View.FULL;
        }
        return View.MASKED;
    }

    /**
     * Refuses, and logs the refusal, unless {@code caller} is granted {@code tenant}: called before
     * any file of the tenant is touched.
     */
    private void requireTenant(
            Caller caller,
            String purpose,
            AccessLog.Action action,
            View view,
            String tenant,
            Map<String, String> query)
            throws IOException {
        if (tenant == null || !DecisionParser.isValidTenantId(tenant)) {
            throw new IllegalArgumentException(
                    "not a valid tenant id (letters, digits, '_', '-', single '.')");
        }
        if (!caller.tenants().permits(tenant)) {
            refuse(
                    caller,
                    purpose,
                    action,
                    view == View.FULL ? AccessLog.DATASET_DECISIONS : DATASET_MASKED,
                    tenant,
                    query);
        }
    }

    /** Logs the refused request, then refuses it. */
    private void refuse(
            Caller caller,
            String purpose,
            AccessLog.Action action,
            String dataset,
            String tenant,
            Map<String, String> query)
            throws IOException {
        accessLog.record(AccessLog.Access.refused(caller, action, purpose, dataset, tenant, query));
        throw new AccessRefusedException(
                (tenant == null
                                ? "reading every tenant needs a grant of all tenants (*)"
                                : "tenant " + tenant + " is not granted to this caller")
                        + " (granted: "
                        + (caller.tenants().isAll() || !caller.tenants().tenants().isEmpty()
                                ? caller.tenants()
                                : "none")
                        + "); the refusal is in the access log");
    }

    private static void requireReader(Caller caller) {
        if (caller.role() == AuditRole.SSO_PROXY) {
            throw new AccessRefusedException(
                    "an sso_proxy token only vouches for a user named in the trusted headers; it cannot read by itself");
        }
    }

    private static AccessRefusedException refusedFullRecords(Caller caller) {
        return new AccessRefusedException(
                "role "
                        + caller.role().id()
                        + " may not read full records: query the masked copy (ops/) by event id,"
                        + " user_pseudonym or case_pseudonym, or ask a compliance officer");
    }

    private static void requirePurpose(String purpose) {
        if (purpose == null || purpose.isBlank()) {
            throw new IllegalArgumentException(
                    "a purpose is required to read full records (e.g. a complaint or case reference);"
                            + " it is written to the access log");
        }
        if (purpose.length() > 1000) {
            throw new IllegalArgumentException("the purpose must be at most 1000 characters");
        }
    }

    private static Map<String, String> query(String tenant, Subject subject) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("tenant", tenant);
        q.put(subject.kind().parameter(), subject.value());
        return q;
    }

    private static void putIfSet(Map<String, String> q, String key, String value) {
        if (value != null) {
            q.put(key, value);
        }
    }
}
