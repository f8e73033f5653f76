package io.decisionledger.report;

import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.Caller;
import io.decisionledger.decision.DecisionParser;
import io.decisionledger.decision.FieldDigests;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.AccessLogEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Produces the compliance report ({@code audit report}): checks the caller (a compliance officer
 * granted the tenant, with a purpose; a refused tenant is logged), computes the figures, renders
 * the HTML (and the PDF through headless Chromium when asked), records the read in the access log
 * with the SHA-256 of every file produced, and only then moves the files into place.
 */
public final class ReportWriter {

    /** What was produced. */
    public record Produced(
            Path html,
            String htmlSha256,
            Path pdf,
            String pdfSha256,
            AccessLogEntry logged,
            ComplianceReport.Result result) {}

    private final LakeLayout lake;
    private final Clock clock;

    public ReportWriter(LakeLayout lake, Clock clock) {
        this.lake = lake;
        this.clock = clock;
    }

    /**
     * @param chromium the browser for the PDF; null: no PDF
     */
    public Produced produce(
            Caller caller,
            String purpose,
            ComplianceReport.Period period,
            int minGroupSize,
            Path html,
            HeadlessChromium chromium)
            throws IOException {
        if (!DecisionParser.isValidTenantId(period.tenant())) {
            throw new IllegalArgumentException(
                    "not a valid tenant id (letters, digits, '_', '-', single '.')");
        }
        if (!caller.role().readsFullRecords()) {
            throw new AccessRefusedException(
                    "role "
                            + caller.role().id()
                            + " may not produce the compliance report: it is computed from full"
                            + " records (audit/), the access log and the request log; ask a"
                            + " compliance officer");
        }
        Map<String, String> query = new LinkedHashMap<>();
        query.put("tenant", period.tenant());
        query.put("from", period.from().toString());
        query.put("to", period.to().toString());
        query.put("min_group_size", Integer.toString(minGroupSize));
        AccessLog log = new AccessLog(lake, clock);
        if (!caller.tenants().permits(period.tenant())) {
            log.record(
                    AccessLog.Access.refused(
                            caller,
                            AccessLog.Action.REPORT,
                            purpose,
                            AccessLog.DATASET_DECISIONS,
                            period.tenant(),
                            query));
            throw new AccessRefusedException(
                    "caller " + caller.user() + " is not granted tenant " + period.tenant());
        }
        if (purpose == null || purpose.isBlank()) {
            throw new IllegalArgumentException(
                    "a purpose is required: the report reads full records (e.g. 'quarterly"
                            + " post-market monitoring report'); it is written to the access log");
        }
        ComplianceReport.Result result =
                new ComplianceReport(lake, clock).compute(caller, period, minGroupSize);
        byte[] bytes = ReportHtml.render(result).getBytes(StandardCharsets.UTF_8);
        Path folder = html.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        Path stagedHtml = Files.createTempFile(folder, ".report-", ".html");
        Path stagedPdf = null;
        try {
            Files.write(stagedHtml, bytes);
            String htmlSha = sha256(bytes);
            query.put("report_sha256", htmlSha);
            String pdfSha = null;
            Path pdf = null;
            if (chromium != null) {
                stagedPdf = Files.createTempFile(folder, ".report-", ".pdf");
                Files.delete(stagedPdf);
                chromium.printToPdf(stagedHtml, stagedPdf);
                pdfSha = sha256(Files.readAllBytes(stagedPdf));
                query.put("pdf_sha256", pdfSha);
                pdf = pdfPath(html);
            }
            AccessLogEntry entry =
                    log.record(
                            new AccessLog.Access(
                                    caller,
                                    AccessLog.Action.REPORT,
                                    purpose,
                                    AccessLog.DATASET_DECISIONS,
                                    period.tenant(),
                                    List.of(),
                                    query));
            Files.move(stagedHtml, html, StandardCopyOption.REPLACE_EXISTING);
            if (pdf != null) {
                Files.move(stagedPdf, pdf, StandardCopyOption.REPLACE_EXISTING);
            }
            return new Produced(html, htmlSha, pdf, pdfSha, entry, result);
        } finally {
            Files.deleteIfExists(stagedHtml);
            if (stagedPdf != null) {
                Files.deleteIfExists(stagedPdf);
            }
        }
    }

    /** report.html → report.pdf beside it. */
    public static Path pdfPath(Path html) {
        String name = html.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return html.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".pdf");
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(FieldDigests.sha256().digest(bytes));
    }
}
