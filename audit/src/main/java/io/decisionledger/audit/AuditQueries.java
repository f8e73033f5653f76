package io.decisionledger.audit;

import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessLogPages;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.decision.DecisionParser;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rights.RequestLog;
import io.decisionledger.rights.SubjectRecords;
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

    /**
     * The most records one event id query returns. More than one is already a collision (a re-send
     * stored again after the de-duplication window): the answer says so and lists them all, up to
     * this many.
     */
    static final int MAX_RECORDS_PER_EVENT_ID = 100;

    /** What an operator's masked reads read, as a refusal names it. */
    static final String DATASET_MASKED = "ops/decisions";

    private final LakeLayout lake;
    private final AccessLog accessLog;
    private final AccessLogPages accessLogPages;
    private final DecisionScan<DecisionRecord> audit;
    private final DecisionScan<OpsDecisionRecord> ops;

    public AuditQueries(LakeLayout lake, Clock clock) {
        this.lake = lake;
        this.accessLog = new AccessLog(lake, clock);
        this.accessLogPages = new AccessLogPages(lake);
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
        return masked(
                caller,
                AccessLog.Action.DECISION_AT,
                tenant,
                query,
                found.stream().toList(),
                stats);
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
                caller,
                AccessLog.Action.HISTORY,
                tenant,
                query,
                ops.between(tenant, subject, from, toExclusive, stats),
                stats);
    }

    /**
     * One page of {@link #history}: at most {@code page.limit()} decisions in order, continuing
     * after the page its token names; the result carries the next page's token when there is more.
     * The lake is read only until the page plus one is found.
     */
    public QueryResult history(
            Caller caller,
            String purpose,
            String tenant,
            Subject subject,
            Instant from,
            Instant toExclusive,
            PageRequest page)
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
        DecisionScan.Position after = historyPosition(page.position("history", query));
        if (view == View.FULL) {
            requirePurpose(purpose);
        }
        ScanStats stats = new ScanStats();
        if (view == View.FULL) {
            List<DecisionScan.Found<DecisionRecord>> found =
                    audit.betweenPage(
                            tenant, subject, from, toExclusive, after, page.limit(), stats);
            String next = nextHistoryToken(query, found, page.limit());
            return full(
                    caller,
                    purpose,
                    AccessLog.Action.HISTORY,
                    tenant,
                    query,
                    found.subList(0, Math.min(found.size(), page.limit())),
                    stats,
                    next);
        }
        List<DecisionScan.Found<OpsDecisionRecord>> found =
                ops.betweenPage(tenant, subject, from, toExclusive, after, page.limit(), stats);
        String next = nextHistoryToken(query, found, page.limit());
        return masked(
                caller,
                AccessLog.Action.HISTORY,
                tenant,
                query,
                found.subList(0, Math.min(found.size(), page.limit())),
                stats,
                next);
    }

    private static DecisionScan.Position historyPosition(String position) {
        if (position == null) {
            return null;
        }
        String[] p = position.split(",", 3);
        try {
            return new DecisionScan.Position(
                    micros(Long.parseLong(p[0])), micros(Long.parseLong(p[1])), p[2]);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "page_token is not valid: pass the next_page_token of the previous page unchanged");
        }
    }

    private static <T extends SpecificRecordBase> String nextHistoryToken(
            Map<String, String> query, List<DecisionScan.Found<T>> found, int limit) {
        if (found.size() <= limit) {
            return null;
        }
        DecisionScan.Position last = DecisionScan.Position.of(found.get(limit - 1));
        return PageRequest.next(
                "history",
                query,
                DecisionScan.micros(last.eventTime())
                        + ","
                        + DecisionScan.micros(last.ingestTime())
                        + ","
                        + last.eventId());
    }

    private static Instant micros(long micros) {
        return Instant.ofEpochSecond(
                Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
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
                    audit.allByEventId(tenant, eventId, MAX_RECORDS_PER_EVENT_ID, stats),
                    stats);
        }
        return masked(
                caller,
                AccessLog.Action.EVENT,
                tenant,
                query,
                ops.allByEventId(tenant, eventId, MAX_RECORDS_PER_EVENT_ID, stats),
                stats);
    }

    /** Every matching access-log entry in one list (the CLI): {@link PageRequest#all()}. */
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
        return readAccessLog(
                caller, purpose, tenant, eventId, actor, from, to, verify, PageRequest.all());
    }

    /**
     * One page of access-log entries (compliance officers only), optionally narrowed to a tenant,
     * an event id, an actor and access dates, in seq order. The read is itself logged, with the
     * number of entries returned and a SHA-256 over their sorted access ids (not the ids: a log
     * that listed every id it returned would grow with the square of its reads). With {@code
     * verify}, the whole chain is re-checked and the result attached.
     */
    public QueryResult readAccessLog(
            Caller caller,
            String purpose,
            String tenant,
            String eventId,
            String actor,
            LocalDate from,
            LocalDate to,
            boolean verify,
            PageRequest page)
            throws IOException {
        requireReader(caller);
        if (!caller.role().readsFullRecords()) {
            throw new AccessRefusedException(
                    "role "
                            + caller.role().id()
                            + " may not read the access log: it is restricted to compliance officers");
        }
        requirePurpose(purpose);
        if (tenant != null && !DecisionParser.isValidTenantId(tenant)) {
            throw new IllegalArgumentException(
                    "not a valid tenant id (letters, digits, '_', '-', single '.')");
        }
        Map<String, String> query = new LinkedHashMap<>();
        putIfSet(query, "tenant", tenant);
        putIfSet(query, "event_id", eventId);
        putIfSet(query, "actor", actor);
        putIfSet(query, "from", from == null ? null : from.toString());
        putIfSet(query, "to", to == null ? null : to.toString());
        String position = page.position("access-log", query);
        long afterSeq;
        try {
            afterSeq = position == null ? 0 : Long.parseLong(position);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "page_token is not valid: pass the next_page_token of the previous page unchanged");
        }
        Map<String, String> logged = new LinkedHashMap<>(query);
        if (verify) {
            logged.put("verify", "true");
        }
        if (position != null) {
            logged.put("after_seq", position);
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
        if (verify && !caller.tenants().isAll()) {
            // verifying reads the whole log, every tenant's entries (its count, its problems)
            throw new AccessRefusedException(
                    "verifying the access log reads every tenant's entries: it needs a grant of"
                            + " all tenants (*)");
        }
        ScanStats stats = new ScanStats();
        AccessLogPages.Page found =
                accessLogPages.read(
                        from,
                        to,
                        afterSeq,
                        page.limit(),
                        tenant,
                        eventId,
                        e -> actor == null || actor.equals(e.getActor()));
        List<AccessLogEntry> entries = found.entries();
        AccessLog.Verification verification = verify ? accessLog.verify() : null;
        List<String> ids = entries.stream().map(AccessLogEntry::getAccessId).sorted().toList();
        logged.put("returned_count", Integer.toString(ids.size()));
        logged.put("returned_ids_sha256", idsDigest(ids));
        logged.put("read_via", found.source());
        AccessLogEntry entry =
                accessLog.record(
                        new AccessLog.Access(
                                caller,
                                AccessLog.Action.ACCESS_LOG,
                                purpose,
                                AccessLog.DATASET_ACCESS_LOG,
                                tenant,
                                ids.isEmpty() ? List.of() : List.of("sha256:" + idsDigest(ids)),
                                logged));
        stats.finish();
        if (verify) {
            query.put("verify", "true");
        }
        return new QueryResult(
                AccessLog.Action.ACCESS_LOG,
                tenant,
                View.FULL,
                query,
                new ArrayList<>(entries),
                entries.stream().map(e -> (String) null).toList(),
                stats,
                entry,
                verification,
                found.more()
                        ? PageRequest.next(
                                "access-log", query(query, verify), "" + found.nextAfterSeq())
                        : null);
    }

    /** The token's query: the filters, without verify (a later page may or may not verify). */
    private static Map<String, String> query(Map<String, String> q, boolean verify) {
        Map<String, String> out = new LinkedHashMap<>(q);
        out.remove("verify");
        return out;
    }

    /** SHA-256 (hex) over the ids, one per line, in the order given (callers sort them). */
    static String idsDigest(List<String> ids) {
        java.security.MessageDigest sha = io.decisionledger.decision.FieldDigests.sha256();
        for (String id : ids) {
            sha.update(id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update((byte) '\n');
        }
        return java.util.HexFormat.of().formatHex(sha.digest());
    }

    /**
     * Checks, before anything is read or written, that {@code caller} may build an evidence bundle
     * of {@code eventId} in {@code tenant}: the role, the purpose, and ids that ingest would accept
     * (the bundle folder is named after them).
     */
    void requireBundleAccess(Caller caller, String purpose, String tenant, String eventId)
            throws IOException {
        requireReader(caller);
        if (!caller.role().readsFullRecords()) {
            throw new AccessRefusedException(
                    "role "
                            + caller.role().id()
                            + " may not build evidence bundles: they hold full records; ask a compliance officer");
        }
        if (tenant == null || !DecisionParser.isValidTenantId(tenant)) {
            throw new IllegalArgumentException(
                    "not a valid tenant id (letters, digits, '_', '-', single '.')");
        }
        if (eventId == null || !DecisionParser.isValidEventId(eventId)) {
            throw new IllegalArgumentException("not a valid event id");
        }
        Map<String, String> query = new LinkedHashMap<>();
        query.put("tenant", tenant);
        query.put("event_id", eventId);
        requireTenant(caller, purpose, AccessLog.Action.BUNDLE, View.FULL, tenant, query);
        requirePurpose(purpose);
    }

    /**
     * Every stored record with this event id (oldest first; more than one is a collision), for an
     * evidence bundle: role and purpose are checked, the read is NOT yet logged (the bundle logs it
     * once it has everything it will write).
     */
    List<DecisionScan.Found<DecisionRecord>> recordsForBundle(
            Caller caller, String purpose, String tenant, String eventId, ScanStats stats)
            throws IOException {
        requireBundleAccess(caller, purpose, tenant, eventId);
        return audit.allByEventId(tenant, eventId, MAX_RECORDS_PER_EVENT_ID, stats);
    }

    /** The access-log entries naming one event, through the index when it can be trusted. */
    AccessLogPages.Page accessesTo(String tenant, String eventId, int limit) throws IOException {
        return accessLogPages.read(null, null, 0, limit, tenant, eventId, e -> true);
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
        return full(caller, purpose, action, tenant, query, found, stats, null);
    }

    private <T extends SpecificRecordBase> QueryResult full(
            Caller caller,
            String purpose,
            AccessLog.Action action,
            String tenant,
            Map<String, String> query,
            List<DecisionScan.Found<T>> found,
            ScanStats stats,
            String nextPageToken)
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
                null,
                nextPageToken);
    }

    private <T extends SpecificRecordBase> QueryResult masked(
            Caller caller,
            AccessLog.Action action,
            String tenant,
            Map<String, String> query,
            List<DecisionScan.Found<T>> found,
            ScanStats stats)
            throws IOException {
        return masked(caller, action, tenant, query, found, stats, null);
    }

    private <T extends SpecificRecordBase> QueryResult masked(
            Caller caller,
            AccessLog.Action action,
            String tenant,
            Map<String, String> query,
            List<DecisionScan.Found<T>> found,
            ScanStats stats,
            String nextPageToken)
            throws IOException {
        refuseRestricted(
                caller,
                action,
                tenant,
                query,
                found.stream().map(f -> String.valueOf(f.record().get("event_id"))).toList());
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
                null,
                nextPageToken);
    }

    /**
     * Restriction of processing (GDPR Art. 18): the records of a subject whose request log keeps
     * them restricted are exported to nobody but a compliance officer stating a purpose (the full
     * reads, which require one). A masked read that would return one is refused, and the refusal is
     * logged; the message names the request's effect, never the subject.
     */
    private void refuseRestricted(
            Caller caller,
            AccessLog.Action action,
            String tenant,
            Map<String, String> query,
            List<String> eventIds)
            throws IOException {
        if (eventIds.isEmpty()) {
            return;
        }
        java.util.Set<RequestLog.Subject> restricted =
                new RequestLog(lake, Clock.systemUTC()).restrictedSubjects(tenant);
        if (restricted.isEmpty()) {
            return;
        }
        java.util.Set<String> ids = new java.util.HashSet<>();
        SubjectRecords.find(lake, tenant, restricted).forEach(l -> ids.add(l.eventId()));
        long hits = eventIds.stream().filter(ids::contains).count();
        if (hits == 0) {
            return;
        }
        accessLog.record(
                AccessLog.Access.refused(caller, action, null, DATASET_MASKED, tenant, query));
        throw new AccessRefusedException(
                hits
                        + " of the records asked for belong to a data subject whose processing is"
                        + " restricted (GDPR Art. 18); only a compliance officer stating a purpose"
                        + " may read them; the refusal is in the access log");
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
