package io.decisionledger.audit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.access.AccessLog;
import io.decisionledger.schema.AccessLogEntry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * What an audit query returns: the records (full or masked, in order), the files they came from,
 * how much of the lake was touched to find them, and the access-log entry that recorded the read
 * (for full records). Renders as JSON for programs and the HTTP API, and as text for a person at a
 * terminal.
 *
 * @param logged the access-log entry of this read; null for masked reads
 * @param verification the access-log chain check, when an access-log read asked for it
 * @param nextPageToken the token of the next page of a paged listing, or null on the last page
 */
public record QueryResult(
        AccessLog.Action action,
        String tenant,
        AuditQueries.View view,
        Map<String, String> query,
        List<SpecificRecordBase> records,
        List<String> files,
        ScanStats stats,
        AccessLogEntry logged,
        AccessLog.Verification verification,
        String nextPageToken) {

    public boolean found() {
        return !records.isEmpty();
    }

    public ObjectNode toJson() {
        ObjectNode out = RecordJson.MAPPER.createObjectNode();
        out.put("action", action.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        out.put("tenant", tenant);
        out.put("view", view.name());
        out.set("query", RecordJson.MAPPER.valueToTree(query));
        out.put("found", found());
        out.put("count", records.size());
        if (action == AccessLog.Action.EVENT) {
            // Two stored records with one event id (a re-send stored again after the
            // de-duplication window) are both returned and flagged: neither is "the" record.
            out.put("collision", records.size() > 1);
            out.put("records_for_event_id", records.size());
            if (records.size() > 1) {
                out.put(
                        "warning",
                        records.size()
                                + " stored records share this event id; treat none of them as"
                                + " the decision until the duplicate is explained");
            }
        }
        if (nextPageToken != null) {
            out.put("next_page_token", nextPageToken);
        }
        ArrayNode rs = out.putArray("records");
        for (int i = 0; i < records.size(); i++) {
            ObjectNode r = RecordJson.toJson(records.get(i));
            rs.add(r);
        }
        ArrayNode fs = out.putArray("files");
        files.forEach(fs::add);
        out.set("scan", RecordJson.MAPPER.valueToTree(stats.toMap()));
        if (logged != null) {
            ObjectNode l = out.putObject("access_log");
            l.put("access_id", logged.getAccessId());
            l.put("log_seq", logged.getLogSeq());
            l.put("hash", logged.getHash());
        }
        if (verification != null) {
            ObjectNode v = out.putObject("access_log_verification");
            v.put("intact", verification.intact());
            v.put("entries", verification.entries());
            v.put("last_seq", verification.lastSeq());
            v.put("last_hash", verification.lastHash());
            ArrayNode p = v.putArray("problems");
            verification.problems().forEach(p::add);
        }
        return out;
    }

    /** A readable rendering for a terminal. */
    public String toText() {
        StringBuilder out = new StringBuilder();
        switch (action) {
            case DECISION_AT -> {
                out.append("Decision for ")
                        .append(subjectText())
                        .append(" at or before ")
                        .append(query.get("at"))
                        .append(" (tenant ")
                        .append(tenant)
                        .append(view == AuditQueries.View.MASKED ? ", masked copy" : "")
                        .append(")\n\n");
                if (records.isEmpty()) {
                    out.append("  None: no decision about this ")
                            .append(subjectNoun())
                            .append(" at or before that instant.\n");
                } else {
                    decisionBlock(out, records.get(0), files.get(0));
                }
            }
            case EVENT -> {
                out.append("Event ")
                        .append(query.get("event_id"))
                        .append(" (tenant ")
                        .append(tenant)
                        .append(view == AuditQueries.View.MASKED ? ", masked copy" : "")
                        .append(")\n\n");
                if (records.isEmpty()) {
                    out.append("  None: no decision with this event id in this tenant.\n");
                } else {
                    if (records.size() > 1) {
                        out.append("  COLLISION: ")
                                .append(records.size())
                                .append(" stored records share this event id.\n\n");
                    }
                    for (int i = 0; i < records.size(); i++) {
                        decisionBlock(out, records.get(i), files.get(i));
                    }
                }
            }
            case HISTORY -> {
                out.append("History of ")
                        .append(subjectText())
                        .append(" from ")
                        .append(query.get("from"))
                        .append(" to ")
                        .append(query.get("to_exclusive"))
                        .append(" (exclusive; tenant ")
                        .append(tenant)
                        .append(view == AuditQueries.View.MASKED ? ", masked copy" : "")
                        .append(")\n\n");
                if (records.isEmpty()) {
                    out.append("  None: no decision about this ")
                            .append(subjectNoun())
                            .append(" in this period.\n");
                } else {
                    out.append(
                            String.format(
                                    "  %-27s %-9s %-10s %-24s %s%n",
                                    "time (UTC)", "decision", "confidence", "event id", "reasons"));
                    for (SpecificRecordBase r : records) {
                        out.append(
                                String.format(
                                        "  %-27s %-9s %-10s %-24s %s%n",
                                        r.get("event_time"),
                                        verdict(r),
                                        r.get("decision_confidence") == null
                                                ? "-"
                                                : r.get("decision_confidence"),
                                        r.get("event_id"),
                                        oneLine(r.get("decision_reasoning"), 80)));
                    }
                }
            }
            case ACCESS_LOG -> {
                out.append("Access log")
                        .append(tenant == null ? "" : " (tenant " + tenant + ")")
                        .append(": ")
                        .append(records.size())
                        .append(" entr")
                        .append(records.size() == 1 ? "y" : "ies")
                        .append("\n\n");
                for (SpecificRecordBase r : records) {
                    AccessLogEntry e = (AccessLogEntry) r;
                    out.append(
                            String.format(
                                    "  #%-5d %-27s %-20s %-12s %-18s %s  records %s  purpose \"%s\"%n",
                                    e.getLogSeq(),
                                    e.getAccessTime(),
                                    e.getActor(),
                                    e.getActorRole(),
                                    e.getAction(),
                                    e.getTenantId() == null ? "-" : e.getTenantId(),
                                    e.getRecordIds().size() > 5
                                            ? e.getRecordIds().subList(0, 5)
                                                    + " +"
                                                    + (e.getRecordIds().size() - 5)
                                            : e.getRecordIds(),
                                    oneLine(AccessLog.shownPurpose(e), 60)));
                }
                if (verification != null) {
                    out.append("\n  Chain: ")
                            .append(
                                    verification.intact()
                                            ? "INTACT, "
                                                    + verification.entries()
                                                    + " entries, last seq "
                                                    + verification.lastSeq()
                                            : "BROKEN: " + verification.problems())
                            .append('\n');
                    for (String note : verification.erasureNotes()) {
                        out.append("  ").append(note).append('\n');
                    }
                }
            }
            default -> out.append(action).append('\n');
        }
        out.append("\nScanned: ").append(stats.summary()).append('\n');
        if (logged != null) {
            out.append("Access logged: #")
                    .append(logged.getLogSeq())
                    .append(" (")
                    .append(logged.getAccessId())
                    .append(") by ")
                    .append(logged.getActor())
                    .append(", purpose \"")
                    .append(oneLine(logged.getPurpose(), 80))
                    .append("\"\n");
        }
        return out.toString();
    }

    private void decisionBlock(StringBuilder out, SpecificRecordBase r, String file) {
        out.append("  ")
                .append(verdict(r))
                .append(
                        r.get("decision_confidence") == null
                                ? ""
                                : "  confidence " + r.get("decision_confidence"))
                .append("  at ")
                .append((Instant) r.get("event_time"))
                .append("  event ")
                .append(r.get("event_id"))
                .append('\n');
        line(out, "Reasons", r.get("decision_reasoning"));
        line(
                out,
                "Model",
                r.get("model")
                        + ", version "
                        + r.get("model_version")
                        + (r.get("model_metadata_id") == null
                                ? ""
                                : ", card " + r.get("model_metadata_id")));
        line(
                out,
                "Parameters",
                "temperature "
                        + orDash(r.get("temperature"))
                        + ", max tokens "
                        + orDash(r.get("max_tokens"))
                        + ", top p "
                        + orDash(r.get("top_p")));
        if (view == AuditQueries.View.FULL) {
            line(out, "User", r.get("user_id"));
            line(out, "Case", r.get("case_id"));
            line(out, "Prompt", oneLine(r.get("prompt"), 200));
            line(out, "Context", oneLine(r.get("context_metadata_json"), 200));
            line(
                    out,
                    "Chain",
                    "shard "
                            + r.get("chain_shard")
                            + ", seq "
                            + r.get("chain_seq")
                            + ", hash "
                            + r.get("hash"));
            line(
                    out,
                    "Provenance",
                    r.get("source_topic")
                            + " partition "
                            + r.get("source_partition")
                            + " offset "
                            + r.get("source_offset")
                            + ", ingested "
                            + r.get("ingest_time"));
        } else {
            line(out, "User pseudonym", r.get("user_pseudonym"));
            line(out, "Case pseudonym", r.get("case_pseudonym"));
            line(out, "Prompt (masked)", oneLine(r.get("prompt"), 200));
        }
        line(out, "File", file);
    }

    private static void line(StringBuilder out, String label, Object value) {
        out.append(String.format("  %-16s %s%n", label + ":", value == null ? "-" : value));
    }

    static String verdict(SpecificRecordBase r) {
        Object approved = r.get("decision_approved");
        return approved == null ? "NO DECISION" : (Boolean) approved ? "APPROVED" : "DECLINED";
    }

    private String subjectText() {
        for (Subject.Kind k : Subject.Kind.values()) {
            String v = query.get(k.parameter());
            if (v != null) {
                return k.parameter().replace('_', ' ') + " " + v;
            }
        }
        return "?";
    }

    private String subjectNoun() {
        for (Subject.Kind k : Subject.Kind.values()) {
            if (query.containsKey(k.parameter())) {
                return k.name().startsWith("CASE") ? "case" : "user";
            }
        }
        return "subject";
    }

    private static String orDash(Object o) {
        return o == null ? "-" : o.toString();
    }

    static String oneLine(Object text, int max) {
        if (text == null) {
            return "-";
        }
        String s = text.toString().replaceAll("\\s+", " ").strip();
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
