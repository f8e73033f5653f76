package io.decisionledger.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.Caller;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rights.ErasurePlan.SubjectType;
import io.decisionledger.rights.RequestEntry;
import io.decisionledger.rights.RequestLog;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * Everything the lake holds about one data subject in one tenant, for a subject access request
 * (GDPR Art. 15, including (1)(h): the logic involved in automated decisions): every decision
 * record in full, the stated reasons and the model and model card behind each decision, the
 * tenant's retention summaries (the aggregates left of deleted partitions, which may count the
 * subject's deleted records), the data-subject requests on file, and every access-log entry that
 * read the subject's records, as JSON ({@link Result#json}) and a readable, self-contained HTML
 * page ({@link Result#html}). Only a compliance officer granted the tenant, stating a purpose, may
 * make one; it is written to the access log (action {@code SUBJECT_ACCESS_EXPORT}, the records'
 * ids) before anything is returned. Nothing of another subject is in it: access-log entries show
 * only which of this subject's records they read.
 */
final class SubjectAccessExport {

    /** The export: JSON and HTML, and its own access-log entry. */
    record Result(ObjectNode json, String html, AccessLogEntry logged, int decisions) {}

    private final AuditQueries queries;
    private final Clock clock;

    SubjectAccessExport(AuditQueries queries, Clock clock) {
        this.queries = queries;
        this.clock = clock;
    }

    Result create(Caller caller, String purpose, String tenant, Subject subject)
            throws IOException {
        if (subject.kind() != Subject.Kind.USER && subject.kind() != Subject.Kind.CASE) {
            throw new IllegalArgumentException(
                    "a subject access export names the subject by --user or --case (its real id)");
        }
        Map<String, String> query = new LinkedHashMap<>();
        query.put("tenant", tenant);
        query.put(subject.kind().parameter(), subject.value());
        if (!caller.role().readsFullRecords()) {
            throw new AccessRefusedException(
                    "role "
                            + caller.role().id()
                            + " may not export a data subject's records; ask a compliance"
                            + " officer");
        }
        if (tenant == null || !caller.tenants().permits(tenant)) {
            queries.accessLog()
                    .record(
                            AccessLog.Access.refused(
                                    caller,
                                    AccessLog.Action.SUBJECT_ACCESS_EXPORT,
                                    purpose,
                                    AccessLog.DATASET_DECISIONS,
                                    tenant,
                                    query));
            throw new AccessRefusedException(
                    "tenant "
                            + tenant
                            + " is not granted to this caller (granted: "
                            + caller.tenants()
                            + "); the refusal is in the access log");
        }
        if (purpose == null || purpose.isBlank()) {
            throw new IllegalArgumentException(
                    "a purpose is required to export a data subject's records (e.g. the"
                            + " request id)");
        }
        LakeLayout lake = queries.lake();
        ScanStats stats = new ScanStats();
        List<DecisionScan.Found<DecisionRecord>> found =
                DecisionScan.audit(lake)
                        .between(tenant, subject, Instant.EPOCH, AuditCommand.OPEN_END, stats);
        List<DecisionRecord> records = new ArrayList<>();
        for (DecisionScan.Found<DecisionRecord> f : found) {
            // the row's own tenant decides, never its folder
            if (tenant.equals(f.record().getTenantId())) {
                records.add(f.record());
            }
        }
        List<String> ids = records.stream().map(DecisionRecord::getEventId).toList();
        AccessLogEntry logged =
                queries.accessLog()
                        .record(
                                new AccessLog.Access(
                                        caller,
                                        AccessLog.Action.SUBJECT_ACCESS_EXPORT,
                                        purpose,
                                        AccessLog.DATASET_DECISIONS,
                                        tenant,
                                        ids,
                                        query));
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);

        ObjectNode root = RecordJson.MAPPER.createObjectNode();
        ObjectNode about = root.putObject("export");
        about.put("kind", "GDPR Art. 15 subject access export");
        about.put("tenant_id", tenant);
        about.put("subject_type", subject.kind() == Subject.Kind.USER ? "USER" : "CASE");
        about.put("subject_id", subject.value());
        about.put("generated_at", now.toString());
        about.put("generated_by", caller.user());
        about.put("generated_by_role", caller.role().id());
        about.put("purpose", purpose.strip());
        about.put("access_log_seq", logged.getLogSeq());
        about.put("decisions", records.size());

        ArrayNode decisions = root.putArray("decisions");
        ArrayNode explanations = root.putArray("explanations");
        Map<String, ObjectNode> cards = new LinkedHashMap<>();
        for (DecisionRecord r : records) {
            decisions.add(RecordJson.toJson(r));
            ObjectNode e = explanations.addObject();
            e.put("event_id", r.getEventId());
            e.put("event_time", r.getEventTime().toString());
            e.put(
                    "outcome",
                    r.getDecisionApproved() == null
                            ? "not stated"
                            : r.getDecisionApproved() ? "approved" : "declined");
            if (r.getDecisionConfidence() != null) {
                e.put("confidence", r.getDecisionConfidence());
            }
            e.put("stated_reasons", r.getDecisionReasoning());
            e.put("model", r.getModel());
            e.put("model_version", r.getModelVersion());
            e.put("instructions_given_to_the_model", r.getSystemPrompt());
            ModelCards.Card card = ModelCards.find(lake, r).orElse(null);
            if (card != null) {
                String key = card.file() + "#" + card.record().get("card_id");
                cards.computeIfAbsent(key, k -> RecordJson.toJson(card.record()));
                e.put("model_card", String.valueOf(card.record().get("card_id")));
                e.put("model_card_matched_on", card.matchedOn());
            } else {
                e.put("model_card", (String) null);
            }
        }
        ArrayNode cardArray = root.putArray("model_cards");
        cards.values().forEach(cardArray::add);

        ObjectNode retention = root.putObject("retention");
        retention.put(
                "note",
                "Partitions past their retention period were deleted whole; what is left of them"
                        + " is these aggregates (counts per day and model), which may count"
                        + " decisions about you among others. Which deleted record concerned"
                        + " whom is no longer held.");
        ArrayNode summaries = retention.putArray("summaries");
        retentionSummaries(lake, tenant).forEach(summaries::add);

        ArrayNode requests = root.putArray("requests");
        RequestLog.Subject rs =
                new RequestLog.Subject(
                        subject.kind() == Subject.Kind.USER ? SubjectType.USER : SubjectType.CASE,
                        subject.value());
        for (RequestEntry q : new RequestLog(lake, clock).ofSubject(caller, tenant, rs)) {
            ObjectNode n = requests.addObject();
            n.put("seq", q.seq());
            n.put("request_id", q.requestId());
            n.put("kind", q.kind().name());
            n.put("state", q.state().name());
            n.put("received_date", q.receivedDate());
            n.put("recorded_at", q.recordedAt());
            n.put("until", q.until());
            n.put("reason", q.reason());
            n.put("subject_restricted", q.subjectRestricted());
            if (q.detailsJson() != null) {
                n.set("details", RecordJson.MAPPER.readTree(q.detailsJson()));
            }
        }

        ArrayNode accesses = root.putArray("accesses");
        Set<String> mine = new HashSet<>(ids);
        for (AccessLogEntry a :
                queries.accessLog()
                        .entries(
                                null,
                                null,
                                e ->
                                        tenant.equals(e.getTenantId())
                                                && e.getRecordIds().stream()
                                                        .anyMatch(mine::contains))) {
            ObjectNode n = accesses.addObject();
            n.put("log_seq", a.getLogSeq());
            n.put("access_time", a.getAccessTime().toString());
            n.put("actor", a.getActor());
            n.put("actor_role", a.getActorRole());
            n.put("channel", a.getChannel());
            n.put("action", a.getAction());
            n.put("purpose", AccessLog.shownPurpose(a));
            if (a.getErasedColumnsJson() != null) {
                // its purpose and query were erased under a request (GDPR Art. 17)
                ObjectNode erased = n.putObject("erased");
                erased.put("request_id", a.getErasureRequestId());
                erased.put(
                        "erased_at", a.getErasedAt() == null ? null : a.getErasedAt().toString());
            }
            n.put("outcome", a.getOutcome());
            ArrayNode read = n.putArray("your_records_read");
            a.getRecordIds().stream().filter(mine::contains).distinct().forEach(read::add);
        }
        return new Result(root, SubjectAccessHtml.render(root), logged, records.size());
    }

    private static List<JsonNode> retentionSummaries(LakeLayout lake, String tenant)
            throws IOException {
        List<JsonNode> out = new ArrayList<>();
        Path dir = lake.resolve(LakeLayout.RETENTION_SUMMARIES);
        if (!dir.getFileSystem().exists(dir)) {
            return out;
        }
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            LakeFiles.forEachRecord(
                    f,
                    (GenericRecord r) -> {
                        Object t = r.get("tenant_id");
                        if (t != null && tenant.equals(t.toString())) {
                            ObjectNode n = RecordJson.toJson(r);
                            out.add(n);
                        }
                    });
        }
        return out;
    }
}
