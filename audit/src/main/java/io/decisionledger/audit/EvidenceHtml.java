package io.decisionledger.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.decisionledger.access.Caller;
import io.decisionledger.chain.ChainProof;
import io.decisionledger.chain.RecordLayout;
import io.decisionledger.decision.ErasedColumns;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The human-readable page of an evidence bundle ({@code evidence.html}): one decision as a
 * non-engineer reads it — the outcome and stated reasons first, then the model and its card, the
 * parameters, the inputs the model saw, its raw response, whether the tamper-evidence proof holds,
 * and who has accessed the record. Self-contained (inline CSS, no scripts, no external requests),
 * printable, and every value from the record is HTML-escaped.
 */
final class EvidenceHtml {

    private static final DateTimeFormatter READABLE =
            DateTimeFormatter.ofPattern("d MMMM uuuu, HH:mm:ss 'UTC'", Locale.ENGLISH)
                    .withZone(ZoneOffset.UTC);

    private EvidenceHtml() {}

    /** What the page shows besides the record itself. */
    record Page(
            DecisionRecord record,
            ModelCards.Card modelCard,
            ChainProof proof,
            List<ChainProof.Check> checks,
            List<AccessLogEntry> accesses,
            Map<String, String> fileDigests,
            Instant createdAt,
            Caller createdBy,
            String purpose,
            int recordsForEventId) {}

    /**
     * States the hash layout the record was verified under (layout 2 leaves the model-card link
     * outside the hash), and for an erased record which columns were erased, when and why.
     */
    private static void layout(StringBuilder h, DecisionRecord r, List<ChainProof.Check> checks) {
        RecordLayout layout = ChainProof.verifiedLayout(checks);
        h.append("<p class=\"layout\">Verified under ")
                .append(
                        layout == null
                                ? "no known record layout (record_layout "
                                        + esc(String.valueOf(r.getRecordLayout()))
                                        + ")"
                                : esc(layout.describe()))
                .append(".</p>");
        if (r.getErasedColumnsJson() != null) {
            String columns;
            try {
                columns = String.join(", ", ErasedColumns.parse(r.getErasedColumnsJson()).keySet());
            } catch (IllegalArgumentException e) {
                columns = "unreadable list of erased columns";
            }
            h.append("<p class=\"erased\">Personal data erased: ")
                    .append(esc(columns))
                    .append(", on ")
                    .append(
                            r.getErasedAt() == null
                                    ? "an unrecorded date"
                                    : esc(READABLE.format(r.getErasedAt())))
                    .append(" under erasure request ")
                    .append(esc(String.valueOf(r.getErasureRequestId())))
                    .append(
                            ". Their commitments are kept, so the hashes above still verify; the values are gone.</p>");
        }
    }

    static String render(Page p) {
        DecisionRecord r = p.record();
        // A second stored record with the same event id is never hidden behind a VERIFIED.
        boolean collision = p.recordsForEventId() > 1;
        boolean verified =
                !collision
                        && !p.checks().isEmpty()
                        && p.checks().stream().allMatch(ChainProof.Check::ok);
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<title>Evidence: automated decision ")
                .append(esc(r.getEventId()))
                .append("</title>\n<style>\n")
                .append(CSS)
                .append("</style></head>\n<body>\n");

        h.append("<header><p class=\"kicker\">Evidence of an automated decision</p>")
                .append("<h1>Decision ")
                .append(esc(r.getEventId()))
                .append("</h1><p class=\"meta\">Tenant <b>")
                .append(esc(r.getTenantId()))
                .append("</b> &middot; made ")
                .append(esc(READABLE.format(r.getEventTime())))
                .append(" &middot; bundle prepared ")
                .append(esc(READABLE.format(p.createdAt())))
                .append(" by ")
                .append(esc(p.createdBy().user()))
                .append(" (")
                .append(esc(p.createdBy().role().id()))
                .append(") for: ")
                .append(esc(p.purpose()))
                .append("</p></header>\n");

        h.append("<section class=\"status ")
                .append(verified ? "ok" : "bad")
                .append("\"><h2>Integrity: ")
                .append(verified ? "VERIFIED" : "NOT VERIFIED")
                .append("</h2><p>")
                .append(
                        verified
                                ? "This record recomputes to its stored fingerprint, and it is linked, record by record, to the chain head the ingest job published for this tenant at position "
                                        + p.proof().head().getChainSeq()
                                        + " (published "
                                        + esc(READABLE.format(p.proof().head().getPublishedAt()))
                                        + "). Any later change to the record would break these links."
                                : collision
                                        ? p.recordsForEventId()
                                                + " stored records share this event id (all are in "
                                                + EvidenceBundle.COLLISION_FILE
                                                + "); this page shows the first stored. Treat the decision as unproven until the duplicate is explained."
                                        : "At least one check below failed: treat this record as unproven until the failure is explained.")
                .append("</p>");
        layout(h, r, p.checks());
        h.append("</section>\n");

        String verdict = QueryResult.verdict(r);
        h.append("<section><h2>Decision</h2><div class=\"verdict ")
                .append(
                        verdict.equals("APPROVED")
                                ? "approved"
                                : verdict.equals("DECLINED") ? "declined" : "")
                .append("\">")
                .append(esc(verdict))
                .append("</div><table>");
        row(
                h,
                "Confidence",
                r.getDecisionConfidence() == null
                        ? "not stated"
                        : String.format(
                                Locale.ENGLISH, "%.0f %%", r.getDecisionConfidence() * 100));
        row(h, "Decision time", READABLE.format(r.getEventTime()));
        row(h, "Applicant (user id)", r.getUserId());
        row(h, "Case", r.getCaseId());
        row(h, "Event id", r.getEventId());
        h.append("</table></section>\n");

        h.append("<section><h2>Stated reasons</h2><p class=\"reasons\">")
                .append(
                        r.getDecisionReasoning() == null
                                ? "<i>The event stated no reasons.</i>"
                                : esc(r.getDecisionReasoning()))
                .append("</p></section>\n");

        h.append("<section><h2>Model</h2><table>");
        row(h, "Model", r.getModel());
        row(h, "Version", r.getModelVersion());
        row(h, "Model card id", r.getModelMetadataId());
        h.append("</table>");
        if (p.modelCard() == null) {
            h.append(
                    "<p class=\"note\">No registered model card: the lake holds no record for this model version in models/model_versions/.</p>");
        } else {
            h.append("<h3>Registered model card</h3><table>");
            for (Schema.Field f : p.modelCard().record().getSchema().getFields()) {
                Object v = p.modelCard().record().get(f.pos());
                row(h, f.name(), v == null ? null : v.toString());
            }
            h.append("</table>");
        }
        h.append("</section>\n");

        h.append("<section><h2>Parameters</h2><table>");
        row(h, "Temperature", r.getTemperature());
        row(h, "Maximum tokens", r.getMaxTokens());
        row(h, "Top p", r.getTopP());
        h.append("</table></section>\n");

        h.append("<section><h2>Inputs the model saw</h2>");
        h.append("<h3>Prompt</h3><pre>").append(esc(r.getPrompt())).append("</pre>");
        if (r.getSystemPrompt() != null) {
            h.append("<h3>System prompt</h3><pre>")
                    .append(esc(r.getSystemPrompt()))
                    .append("</pre>");
        }
        list(h, "User history", r.getContextUserHistory());
        list(h, "Relevant documents", r.getContextRelevantDocuments());
        if (r.getContextMetadataJson() != null) {
            h.append("<h3>Application data</h3><table>");
            try {
                JsonNode md = RecordJson.MAPPER.readTree(r.getContextMetadataJson());
                Iterator<Map.Entry<String, JsonNode>> it = md.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    row(
                            h,
                            e.getKey(),
                            e.getValue().isTextual()
                                    ? e.getValue().asText()
                                    : e.getValue().toString());
                }
            } catch (IOException e) {
                row(h, "metadata", r.getContextMetadataJson());
            }
            h.append("</table>");
        }
        if (r.getExtraJson() != null) {
            h.append("<h3>Other fields sent</h3><pre>")
                    .append(esc(r.getExtraJson()))
                    .append("</pre>");
        }
        h.append("</section>\n");

        h.append("<section><h2>Model response</h2><pre>")
                .append(esc(r.getResponseContent()))
                .append("</pre><table>");
        row(h, "Tokens", r.getResponseTokens());
        row(h, "Finish reason", r.getResponseFinishReason());
        h.append("</table></section>\n");

        h.append(
                "<section class=\"page-break\"><h2>Tamper-evidence proof</h2><table class=\"checks\">");
        for (ChainProof.Check c : p.checks()) {
            h.append("<tr><td class=\"")
                    .append(c.ok() ? "pass" : "fail")
                    .append("\">")
                    .append(c.ok() ? "&#10003; pass" : "&#10007; FAIL")
                    .append("</td><th>")
                    .append(esc(c.name()))
                    .append("</th><td class=\"mono\">")
                    .append(esc(c.detail()))
                    .append("</td></tr>");
        }
        h.append("</table><table>");
        row(h, "Chain", r.getTenantId() + ", shard " + p.proof().chainShard());
        row(h, "Position (seq)", r.getChainSeq());
        row(h, "Record hash", r.getHash());
        row(h, "Previous hash", r.getPrevHash());
        row(h, "Content hash", r.getContentSha256());
        RecordLayout verifiedUnder = ChainProof.verifiedLayout(p.checks());
        row(h, "Record layout", verifiedUnder == null ? "unknown" : verifiedUnder.describe());
        row(
                h,
                "Model-card link",
                (r.getModelCardStatus() == null ? "none recorded" : r.getModelCardStatus())
                        + (r.getModelCardId() == null ? "" : ", card " + r.getModelCardId())
                        + (verifiedUnder == RecordLayout.LAYOUT_3
                                ? " (covered by the record hash)"
                                : " (not covered by the record hash)"));
        row(h, "Following records checked", p.proof().following().size());
        if (p.proof().head() != null) {
            row(
                    h,
                    "Published head",
                    "seq "
                            + p.proof().head().getChainSeq()
                            + ", hash "
                            + p.proof().head().getHash());
        }
        row(
                h,
                "Ingested from",
                r.getSourceTopic()
                        + " partition "
                        + r.getSourcePartition()
                        + " offset "
                        + r.getSourceOffset()
                        + " at "
                        + r.getIngestTime());
        h.append(
                "</table><p class=\"note\">How it is checked: the record's fields are hashed as specified in"
                        + " schemas/CANONICAL.md (content hash, then the chain hash that also covers where and when"
                        + " the record was ingested); each following record's hash must include the one before it;"
                        + " the last must equal the chain head the ingest job published. The files of this bundle are"
                        + " listed below with their SHA-256; <code>audit verify-bundle</code> repeats every check"
                        + " offline.</p></section>\n");

        h.append("<section><h2>Who has accessed this record</h2>");
        if (p.accesses().isEmpty()) {
            h.append("<p>No recorded access.</p>");
        } else {
            h.append(
                    "<table class=\"grid\"><tr><th>#</th><th>When (UTC)</th><th>Who</th><th>Role</th><th>Action</th><th>Purpose</th></tr>");
            for (AccessLogEntry e : p.accesses()) {
                h.append("<tr><td>")
                        .append(e.getLogSeq())
                        .append("</td><td>")
                        .append(esc(READABLE.format(e.getAccessTime())))
                        .append("</td><td>")
                        .append(esc(e.getActor()))
                        .append(
                                e.getVia() == null
                                        ? ""
                                        : " <small>via " + esc(e.getVia()) + "</small>")
                        .append("</td><td>")
                        .append(esc(e.getActorRole()))
                        .append("</td><td>")
                        .append(esc(e.getAction()))
                        .append("</td><td>")
                        .append(esc(io.decisionledger.access.AccessLog.shownPurpose(e)))
                        .append("</td></tr>");
            }
            h.append("</table>");
        }
        h.append("</section>\n");

        h.append(
                "<section><h2>Files in this bundle</h2><table class=\"grid\"><tr><th>File</th><th>SHA-256</th></tr>");
        for (Map.Entry<String, String> f : p.fileDigests().entrySet()) {
            h.append("<tr><td>")
                    .append(esc(f.getKey()))
                    .append("</td><td class=\"mono\">")
                    .append(esc(f.getValue()))
                    .append("</td></tr>");
        }
        h.append(
                "</table><p class=\"note\">This page and manifest.json are listed in manifest.json itself.</p></section>\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void row(StringBuilder h, String label, Object value) {
        h.append("<tr><th>")
                .append(esc(label))
                .append("</th><td>")
                .append(value == null ? "<i>not given</i>" : esc(value.toString()))
                .append("</td></tr>");
    }

    private static void list(StringBuilder h, String title, List<String> items) {
        if (items == null) {
            return;
        }
        h.append("<h3>").append(esc(title)).append("</h3><ul>");
        for (String i : items) {
            h.append("<li>").append(esc(i)).append("</li>");
        }
        h.append("</ul>");
    }

    /** HTML-escapes text for element content and quoted attribute values. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    static final String CSS =
            """
            body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1b1f24; max-width: 1040px;
                   margin: 24px auto; padding: 0 24px; line-height: 1.45; }
            header { border-bottom: 3px solid #1b1f24; margin-bottom: 16px; }
            .kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: #57606a; margin: 0; }
            h1 { margin: 4px 0 6px; font-size: 26px; }
            h2 { font-size: 18px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; margin-top: 26px; }
            h3 { font-size: 14px; margin: 14px 0 4px; color: #424a53; }
            .meta { color: #424a53; font-size: 13px; }
            .status { padding: 8px 16px; border-radius: 6px; margin: 16px 0; }
            .status h2 { border: none; margin: 6px 0 0; }
            .status.ok { background: #dafbe1; border: 2px solid #1a7f37; }
            .status.bad { background: #ffebe9; border: 2px solid #cf222e; }
            .verdict { display: inline-block; font-size: 30px; font-weight: bold; padding: 4px 18px;
                       border-radius: 6px; margin: 4px 0 10px; border: 2px solid #57606a; }
            .verdict.approved { color: #1a7f37; border-color: #1a7f37; }
            .verdict.declined { color: #cf222e; border-color: #cf222e; }
            .reasons { font-size: 18px; background: #f6f8fa; padding: 12px 16px; border-left: 4px solid #0969da; }
            table { border-collapse: collapse; margin: 6px 0; }
            th, td { text-align: left; vertical-align: top; padding: 3px 12px 3px 0; font-size: 14px; }
            th { color: #424a53; font-weight: 600; white-space: nowrap; }
            table.grid th, table.grid td { border: 1px solid #d0d7de; padding: 4px 8px; }
            pre { white-space: pre-wrap; word-break: break-word; background: #f6f8fa; padding: 8px 12px;
                  border-radius: 4px; font-size: 13px; }
            .mono, td.mono { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-all; }
            .pass { color: #1a7f37; font-weight: bold; white-space: nowrap; }
            .fail { color: #cf222e; font-weight: bold; white-space: nowrap; }
            .note { color: #57606a; font-size: 13px; }
            @media print { body { margin: 0; max-width: none; } .page-break { page-break-before: always; }
                           .status, .verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
            """;
}
