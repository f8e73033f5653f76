package io.decisionledger.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes the compliance report as one self-contained HTML page: inline CSS, the charts as inline
 * SVG ({@link ReportCharts}), every figure's table, the traceability matrix (the {@code
 * traceability.md} the build generates into docs/ and packages with the audit jar), and the
 * appendix with the DuckDB SQL of every figure. No script, no external stylesheet, font or image:
 * it opens without a network and prints to PDF as it is.
 */
final class ReportHtml {

    private ReportHtml() {}

    static String render(ComplianceReport.Result r) throws IOException {
        ReportCharts charts = new ReportCharts();
        ComplianceReport.Period p = r.period();
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>Compliance report ")
                .append(esc(p.tenant()))
                .append(' ')
                .append(p.from())
                .append(" to ")
                .append(p.to())
                .append("</title><style>")
                .append(CSS)
                .append("</style></head><body>\n");
        h.append("<h1>Compliance report: ").append(esc(p.tenant())).append("</h1>\n");
        h.append("<p class=\"meta\">Period ")
                .append(p.from())
                .append(" to ")
                .append(p.to())
                .append(" (UTC dates, both included; drift against ")
                .append(p.previousFrom())
                .append(" to ")
                .append(p.from().minusDays(1))
                .append("). Generated ")
                .append(r.generatedAt())
                .append(
                        ". Aggregates only: no user id, case id, prompt or response is in this"
                                + " report; a stated reason is shown only when at least ")
                .append(r.minGroupSize())
                .append(" applicants were given it.</p>\n");

        section(
                h,
                "1. Decisions per day and model version",
                "decisions_per_day",
                r,
                charts.decisionsPerDay(r.figure("decisions_per_day")));
        section(
                h,
                "2. Approval and denial rate per model version (version changes marked)",
                "version_changes",
                r,
                charts.rates(
                        r.figure("decisions_per_day"),
                        r.figure("version_changes"),
                        p.from(),
                        p.to()));
        section(
                h,
                "3. Confidence distribution per model version",
                "confidence_histogram",
                r,
                charts.confidence(r.figure("confidence_histogram")));
        section(h, "4. Confidence drift against the previous period", "confidence_drift", r, null);
        h.append(
                "<p class=\"note\">PSI over ten bins of 0.1 (an empty bin counts as 0.0001):"
                        + " below 0.1 STABLE, 0.1 to 0.25 WATCH, 0.25 and above DRIFT. KS: the largest"
                        + " distance between the two empirical distributions, DRIFT above 1.358·√((n+m)/(n·m))"
                        + " (α = 0.05). NOT_COMPARABLE: one period has no decisions of that version.</p>\n");
        section(
                h,
                "5. Stated reasons of denials",
                "stated_reasons",
                r,
                charts.reasons(r.figure("stated_reasons")));
        section(
                h,
                "6. Decisions by models without a registered or certified card",
                "card_status",
                r,
                charts.cardStatus(r.figure("card_status")));
        section(
                h,
                "7. Replay runs in the period",
                "replay_runs",
                r,
                charts.replays(r.figure("replay_runs")));
        section(h, "8. Replay: worst drifts", "worst_drifts", r, null);
        section(
                h,
                "9. Quarantine by reason",
                "quarantine_by_reason",
                r,
                charts.quarantine(r.figure("quarantine_by_reason")));
        section(
                h,
                "10. Late decisions",
                "late_decisions",
                r,
                charts.late(r.figure("late_decisions")));
        section(h, "11. Access to full records", "access", r, charts.access(r.figure("access")));
        h.append("<h2 id=\"integrity\">12. Integrity</h2>\n<ul class=\"checks\">");
        for (ComplianceReport.Check c : r.checks()) {
            h.append("<li class=\"")
                    .append(c.intact() ? "ok" : "bad")
                    .append("\">")
                    .append(esc(c.name()))
                    .append(": ")
                    .append(c.intact() ? "INTACT" : "NOT INTACT")
                    .append(" (")
                    .append(esc(c.detail()))
                    .append(")</li>");
        }
        h.append(
                "</ul>\n<p class=\"note\">The full check of every record's content and chain hash"
                        + " is VerifyJob's (run it on the same lake; its report is the evidence). Legal holds"
                        + " in force are the operators' holds file; the records they kept are counted"
                        + " below.</p>\n");
        section(h, "12a. Chain heads", "chain_heads", r, null);
        section(h, "12b. Decisions covered by a published head", "head_coverage", r, null);
        section(h, "12c. Retention and legal holds", "retention", r, null);
        section(h, "12d. Data-subject requests", "requests", r, null);

        h.append("<h2 id=\"traceability\">13. Traceability: requirement, feature, tests</h2>\n");
        h.append(traceabilityTable());

        h.append(
                "<h2 id=\"appendix\">Appendix: the SQL behind every figure</h2>\n<p class=\"note\">"
                        + "Each figure recomputes from the lake with DuckDB alone (read access to the"
                        + " restricted datasets needed).</p>\n");
        for (Figure f : r.figures()) {
            h.append("<h3 id=\"sql-")
                    .append(f.id())
                    .append("\">")
                    .append(esc(f.id()))
                    .append("</h3>");
            h.append("<pre class=\"sql\">").append(esc(f.sql())).append("</pre>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void section(
            StringBuilder h, String title, String figureId, ComplianceReport.Result r, String svg) {
        Figure f = r.figure(figureId);
        h.append("<section class=\"figure\" id=\"")
                .append(f.id())
                .append("\"><h2>")
                .append(esc(title))
                .append("</h2><p class=\"caption\">")
                .append(esc(f.title()))
                .append(" <a href=\"#sql-")
                .append(f.id())
                .append("\">SQL</a></p>");
        if (!f.present()) {
            h.append("<p class=\"empty\">The lake holds no ")
                    .append(esc(f.dataset()))
                    .append("/: nothing to report.</p>");
        } else if (f.rows().isEmpty()) {
            h.append("<p class=\"empty\">None in this period.</p>");
        } else {
            if (svg != null) {
                h.append("<div class=\"chart\" data-figure=\"")
                        .append(f.id())
                        .append("\">")
                        .append(svg)
                        .append("</div>");
            }
            table(h, f);
        }
        h.append("</section>\n");
    }

    private static void table(StringBuilder h, Figure f) {
        h.append("<table><thead><tr>");
        for (String c : f.columns()) {
            h.append("<th>").append(esc(c)).append("</th>");
        }
        h.append("</tr></thead><tbody>");
        for (List<Object> row : f.rows()) {
            h.append("<tr>");
            for (Object v : row) {
                h.append(v instanceof Number ? "<td class=\"n\">" : "<td>")
                        .append(esc(format(v)))
                        .append("</td>");
            }
            h.append("</tr>");
        }
        h.append("</tbody></table>");
    }

    static String format(Object v) {
        if (v == null) {
            return "–";
        }
        if (v instanceof Double d) {
            return String.format(Locale.ROOT, "%.4f", d);
        }
        return v.toString();
    }

    /** The matrix's table from the packaged traceability.md, as HTML. */
    static String traceabilityTable() throws IOException {
        List<String[]> rows = new ArrayList<>();
        try (InputStream in = ReportHtml.class.getResourceAsStream("/traceability.md")) {
            if (in == null) {
                return "<p class=\"empty\">The traceability matrix is not packaged with this build.</p>";
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("|") && !line.startsWith("|---")) {
                    String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
                    rows.add(cells);
                }
            }
        }
        StringBuilder h = new StringBuilder("<table class=\"matrix\">");
        for (int i = 0; i < rows.size(); i++) {
            h.append("<tr>");
            for (String c : rows.get(i)) {
                String cell = esc(c.strip().replace("`", "")).replace("&lt;br&gt;", "<br>");
                h.append(i == 0 ? "<th>" : "<td>").append(cell).append(i == 0 ? "</th>" : "</td>");
            }
            h.append("</tr>");
        }
        return h.append("</table>\n").toString();
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String CSS =
            """
            body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px auto;max-width:960px;color:#1f2328}
            h1{font-size:24px;margin-bottom:4px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #d0d7de}
            h3{font-size:13px;margin:14px 0 2px}.meta,.note,.caption{color:#57606a;font-size:12px}
            .empty{color:#57606a;font-style:italic}table{border-collapse:collapse;font-size:12px;margin:6px 0}
            th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}td.n{text-align:right}
            th{background:#f6f8fa}.chart svg{max-width:100%;height:auto}pre.sql{background:#f6f8fa;font-size:11px;padding:8px;white-space:pre-wrap}
            .checks li.ok{color:#1a7f37}.checks li.bad{color:#cf222e;font-weight:bold}
            .matrix td{font-size:11px}section.figure{break-inside:avoid}
            @media print{body{margin:0}h2{break-after:avoid}}
            """;
}
