package io.decisionledger.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a verification found: the one summary line the job prints ({@link #summary()}) and the JSON
 * report an auditor keeps ({@link #writeTo}), each violation with kind, tenant, chain shard, seq
 * range and file. Never holds record content.
 *
 * @param lake the lake root verified
 * @param tenant the one tenant verified, or null for all
 * @param files audit files read
 * @param records records re-hashed
 * @param chains chains with records
 * @param heads published heads checked against
 * @param deletedByRetention deleted positions bridged by retention anchors
 * @param recordsByLayout records verified per layout ("2", "3", "unknown")
 * @param erasedByRequest records with erased columns, per erasure request id
 * @param violationsByKind every violation counted, by kind
 * @param violations the violations listed (at most {@link VerifyRunner#MAX_LISTED})
 * @param seconds wall time of the run
 */
public record VerifyReport(
        String lake,
        String tenant,
        long files,
        long records,
        long chains,
        long heads,
        long deletedByRetention,
        Map<String, Long> recordsByLayout,
        Map<String, Long> erasedByRequest,
        Map<String, Long> violationsByKind,
        List<Violation> violations,
        double seconds) {

    public boolean clean() {
        return violationsByKind.isEmpty();
    }

    public long violationCount() {
        return violationsByKind.values().stream().mapToLong(Long::longValue).sum();
    }

    public String summary() {
        return clean()
                ? String.format(
                        "CLEAN: %,d records%s in %,d chains (%,d files) verified against %,d published heads%s in %.1f s",
                        records,
                        layoutSummary(),
                        chains,
                        files,
                        heads,
                        deletedByRetention == 0
                                ? ""
                                : String.format(
                                        ", %,d deleted positions bridged by retention summaries",
                                        deletedByRetention),
                        seconds)
                : String.format(
                        "VIOLATIONS: %,d found %s in %,d records, %,d chains (%,d files); see the report",
                        violationCount(), violationsByKind, records, chains, files);
    }

    /**
     * E.g. " (layout 2: 10, layout 3: 90; 3 erased), 3 records with erased fields under request
     * DSR-7"; empty when there are no counts.
     */
    private String layoutSummary() {
        if (recordsByLayout.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder(" (");
        recordsByLayout.forEach(
                (layout, n) ->
                        s.append(s.length() > 2 ? ", " : "")
                                .append("layout ")
                                .append(layout)
                                .append(": ")
                                .append(String.format("%,d", n)));
        long erased = erasedByRequest.values().stream().mapToLong(Long::longValue).sum();
        if (erased > 0) {
            s.append(String.format("; %,d erased", erased));
        }
        s.append(')');
        // per request, as an auditor checks it against the erasure receipts
        erasedByRequest.forEach(
                (request, n) ->
                        s.append(
                                String.format(
                                        ", %,d records with erased fields under request %s",
                                        n, request)));
        return s.toString();
    }

    /** Writes the JSON report to {@code file}, creating its folder. */
    public void writeTo(Path file) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("result", clean() ? "CLEAN" : "VIOLATIONS");
        json.put("lake", lake);
        json.put("tenant", tenant);
        json.put("files", files);
        json.put("records", records);
        json.put("chains", chains);
        json.put("heads", heads);
        json.put("deletedByRetention", deletedByRetention);
        json.put("recordsByLayout", recordsByLayout);
        json.put("erasedByRequest", erasedByRequest);
        json.put("violationCount", violationCount());
        json.put("violationsByKind", violationsByKind);
        json.put("violationsListed", violations.size());
        json.put("violations", violations);
        json.put("seconds", Math.round(seconds * 10) / 10.0);
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(file.toFile(), json);
    }
}
