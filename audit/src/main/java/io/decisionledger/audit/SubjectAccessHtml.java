package io.decisionledger.audit;

import static io.decisionledger.audit.EvidenceHtml.esc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The readable page of a subject access export ({@link SubjectAccessExport}): for the data subject
 * and whoever answers them, what the lake holds — each decision with its outcome and stated reasons
 * first, the model and its card (the logic involved), then the full records, the requests on file,
 * who read the records and why, and what retention left of deleted records. Self-contained (the
 * evidence page's inline CSS, no scripts, no external requests), every value HTML-escaped. Sections
 * and rows carry ids ({@code decisions}, {@code data-event-id}) so tests and tools can find them.
 */
final class SubjectAccessHtml {

    private SubjectAccessHtml() {}

    static String render(ObjectNode export) {
        JsonNode about = export.get("export");
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<title>What we hold about you</title>\n<style>\n")
                .append(EvidenceHtml.CSS)
                .append("</style></head>\n<body>\n");
        h.append("<header><p class=\"kicker\">Subject access export (GDPR Art. 15)</p>")
                .append("<h1>What we hold about you</h1><p class=\"meta\" id=\"about\">")
                .append("Tenant <b id=\"tenant\">")
                .append(esc(about.path("tenant_id").asText()))
                .append("</b> &middot; ")
                .append(esc(about.path("subject_type").asText().toLowerCase(java.util.Locale.ROOT)))
                .append(" <b id=\"subject\">")
                .append(esc(about.path("subject_id").asText()))
                .append("</b> &middot; prepared ")
                .append(esc(about.path("generated_at").asText()))
                .append(" by ")
                .append(esc(about.path("generated_by").asText()))
                .append(" for: ")
                .append(esc(about.path("purpose").asText()))
                .append("</p></header>\n");

        JsonNode explanations = export.get("explanations");
        h.append("<section id=\"decisions\"><h2>Automated decisions about you (")
                .append(explanations.size())
                .append(")</h2>");
        if (explanations.isEmpty()) {
            h.append("<p class=\"note\">We hold no decision about you.</p>");
        }
        h.append("<table class=\"grid\"><tr><th>Decision</th><th>When</th><th>Outcome</th>")
                .append("<th>Reasons given</th><th>Model</th><th>Model card</th></tr>");
        for (JsonNode e : explanations) {
            h.append("<tr class=\"decision\" data-event-id=\"")
                    .append(esc(e.path("event_id").asText()))
                    .append("\"><td class=\"mono\">")
                    .append(esc(e.path("event_id").asText()))
                    .append("</td><td>")
                    .append(esc(e.path("event_time").asText()))
                    .append("</td><td class=\"outcome\">")
                    .append(esc(e.path("outcome").asText()))
                    .append("</td><td class=\"reasons\">")
                    .append(esc(e.path("stated_reasons").asText("not stated")))
                    .append("</td><td>")
                    .append(esc(e.path("model").asText()))
                    .append(" ")
                    .append(esc(e.path("model_version").asText()))
                    .append("</td><td>")
                    .append(
                            e.path("model_card").isNull()
                                    ? "<i>no registered model card</i>"
                                    : esc(e.path("model_card").asText()))
                    .append("</td></tr>");
        }
        h.append("</table></section>\n");

        h.append("<section id=\"logic\"><h2>The logic involved</h2>")
                .append(
                        "<p class=\"note\">Each decision was made by the model named above, with"
                                + " the instructions below; its model card describes what the"
                                + " model is for, how it was evaluated and its limits.</p>");
        for (JsonNode card : export.get("model_cards")) {
            h.append("<div class=\"model-card\"><h3>Model card ")
                    .append(esc(card.path("card_id").asText()))
                    .append("</h3><pre>")
                    .append(esc(card.toPrettyString()))
                    .append("</pre></div>");
        }
        for (JsonNode e : explanations) {
            if (e.hasNonNull("instructions_given_to_the_model")) {
                h.append("<h3>Instructions for decision ")
                        .append(esc(e.path("event_id").asText()))
                        .append("</h3><pre>")
                        .append(esc(e.path("instructions_given_to_the_model").asText()))
                        .append("</pre>");
            }
        }
        h.append("</section>\n");

        h.append("<section id=\"requests\"><h2>Your requests on file</h2>");
        table(
                h,
                export.get("requests"),
                new String[] {
                    "request_id", "kind", "state", "received_date", "recorded_at", "until", "reason"
                },
                "request");
        h.append("</section>\n");

        h.append("<section id=\"accesses\"><h2>Who read your records, and why</h2>");
        table(
                h,
                export.get("accesses"),
                new String[] {"access_time", "actor", "actor_role", "action", "purpose", "outcome"},
                "access");
        h.append("</section>\n");

        JsonNode retention = export.get("retention");
        h.append("<section id=\"retention\"><h2>Deleted records</h2><p class=\"note\">")
                .append(esc(retention.path("note").asText()))
                .append("</p>");
        table(
                h,
                retention.get("summaries"),
                new String[] {
                    "event_date", "model_version", "records", "retention_period", "deleted_at"
                },
                "summary");
        h.append("</section>\n");

        h.append("<section id=\"records\" class=\"page-break\"><h2>The full records</h2>");
        for (JsonNode d : export.get("decisions")) {
            h.append("<div class=\"record\" data-event-id=\"")
                    .append(esc(d.path("event_id").asText()))
                    .append("\"><h3>")
                    .append(esc(d.path("event_id").asText()))
                    .append("</h3><pre>")
                    .append(esc(d.toPrettyString()))
                    .append("</pre></div>");
        }
        h.append("</section>\n</body></html>\n");
        return h.toString();
    }

    private static void table(StringBuilder h, JsonNode rows, String[] columns, String rowClass) {
        if (rows == null || rows.isEmpty()) {
            h.append("<p class=\"note\">None.</p>");
            return;
        }
        h.append("<table class=\"grid\"><tr>");
        for (String c : columns) {
            h.append("<th>").append(esc(c.replace('_', ' '))).append("</th>");
        }
        h.append("</tr>");
        for (JsonNode r : rows) {
            h.append("<tr class=\"").append(rowClass).append("\">");
            for (String c : columns) {
                h.append("<td>")
                        .append(r.hasNonNull(c) ? esc(r.get(c).asText()) : "")
                        .append("</td>");
            }
            h.append("</tr>");
        }
        h.append("</table>");
    }
}
