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
 * @param quarantine what was checked of the quarantine chains (also counted in the totals above
 *     only as violations)
 * @param derivedRows in the derived mode, rows re-derived and rows read per derived dataset (e.g.
 *     {@code ops-rows-rederived}, {@code ops-rows-read}); empty otherwise
 * @param state how the run used the verify state; null without one
 * @param bytesRead bytes of the lake files the run read (audit, quarantine and, in the derived
 *     mode, ops and metrics files; files an incremental run skipped are not counted)
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
        double seconds,
        QuarantineCounts quarantine,
        Map<String, Long> derivedRows,
        StateUse state,
        long bytesRead) {

    /** A report of a run without a verify state. */
    public VerifyReport(
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
            double seconds,
            QuarantineCounts quarantine,
            Map<String, Long> derivedRows) {
        this(
                lake,
                tenant,
                files,
                records,
                chains,
                heads,
                deletedByRetention,
                recordsByLayout,
                erasedByRequest,
                violationsByKind,
                violations,
                seconds,
                quarantine,
                derivedRows,
                null,
                0);
    }

    /**
     * How the run used the verify state ({@code --incremental}, {@code --refresh-state}).
     *
     * @param mode {@code incremental} (started from a state) or {@code full}
     * @param fromState the state started from; 0 for a full run
     * @param fromStateSigned whether that state carries a signature (checked only with trusted
     *     keys)
     * @param filesSkipped covered files not read again
     * @param bytesSkipped their bytes
     * @param reverified scopes (audit/TENANT, quarantine) verified again from seq 1, and why
     * @param stateWritten the state this run wrote; 0 when none (violations found)
     * @param stateWrittenSigned whether it is signed
     */
    public record StateUse(
            String mode,
            long fromState,
            boolean fromStateSigned,
            long filesSkipped,
            long bytesSkipped,
            Map<String, String> reverified,
            long stateWritten,
            boolean stateWrittenSigned) {

        Map<String, Object> json() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("mode", mode);
            json.put("fromState", fromState);
            json.put("fromStateSigned", fromStateSigned);
            json.put("filesSkipped", filesSkipped);
            json.put("bytesSkipped", bytesSkipped);
            json.put("reverified", reverified);
            json.put("stateWritten", stateWritten);
            json.put("stateWrittenSigned", stateWrittenSigned);
            return json;
        }

        /** E.g. " [incremental from state 6 (unsigned): 1,230 covered files skipped]". */
        String summary() {
            if (fromState == 0) {
                return " [full run]";
            }
            return String.format(
                    " [incremental from state %d%s: %,d covered files skipped%s]",
                    fromState,
                    fromStateSigned ? "" : " (unsigned)",
                    filesSkipped,
                    reverified.isEmpty()
                            ? ""
                            : String.format(", %d re-verified in full", reverified.size()));
        }
    }

    /**
     * The quarantine's part of a verification, reported apart from the decision chains.
     *
     * @param checked false when one tenant was verified (the quarantine is not per tenant)
     * @param files quarantine files read
     * @param records quarantined records re-hashed
     * @param chains quarantine chains with records
     * @param heads published quarantine heads checked against
     * @param deletedByRetention deleted quarantine positions bridged by retention anchors
     * @param violationsByKind the quarantine's violations (part of the report's total), by kind
     */
    public record QuarantineCounts(
            boolean checked,
            long files,
            long records,
            long chains,
            long heads,
            long deletedByRetention,
            Map<String, Long> violationsByKind) {

        static QuarantineCounts none() {
            return new QuarantineCounts(false, 0, 0, 0, 0, 0, Map.of());
        }

        Map<String, Object> json() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("checked", checked);
            json.put("files", files);
            json.put("records", records);
            json.put("chains", chains);
            json.put("heads", heads);
            json.put("deletedByRetention", deletedByRetention);
            json.put("violationsByKind", violationsByKind);
            return json;
        }
    }

    public boolean clean() {
        return violationsByKind.isEmpty();
    }

    public long violationCount() {
        return violationsByKind.values().stream().mapToLong(Long::longValue).sum();
    }

    public String summary() {
        return clean()
                ? String.format(
                                "CLEAN: %,d records%s in %,d chains (%,d files) verified against %,d published heads%s%s in %.1f s",
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
                                quarantineSummary() + derivedSummary(),
                                seconds)
                        + (state == null ? "" : state.summary())
                : String.format(
                        "VIOLATIONS: %,d found %s in %,d records, %,d chains (%,d files); see the report",
                        violationCount(), violationsByKind, records, chains, files);
    }

    /** E.g. "; ops: 600 rows equal to the audit records re-masked"; empty without derived mode. */
    private String derivedSummary() {
        if (derivedRows == null || derivedRows.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        if (derivedRows.containsKey(ReadOpsRows.STORED_ACCUMULATOR)) {
            s.append(
                    String.format(
                            "; ops: %,d rows equal to the audit records re-masked",
                            derivedRows.get(ReadOpsRows.STORED_ACCUMULATOR)));
        }
        if (derivedRows.containsKey(ReadMetricsRows.STORED_ACCUMULATOR)) {
            s.append(
                    String.format(
                            "; metrics: %,d rows, every current one equal to its window"
                                    + " recomputed from the audit records",
                            derivedRows.get(ReadMetricsRows.STORED_ACCUMULATOR)));
        }
        return s.toString();
    }

    /** E.g. "; quarantine: 5 records in 2 chains against 2 heads"; empty when not checked. */
    private String quarantineSummary() {
        if (quarantine == null || !quarantine.checked() || quarantine.files() == 0) {
            return "";
        }
        return String.format(
                "; quarantine: %,d records in %,d chains against %,d heads",
                quarantine.records(), quarantine.chains(), quarantine.heads());
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
        json.put("bytesRead", bytesRead);
        json.put("records", records);
        json.put("chains", chains);
        json.put("heads", heads);
        json.put("deletedByRetention", deletedByRetention);
        json.put("recordsByLayout", recordsByLayout);
        json.put("erasedByRequest", erasedByRequest);
        json.put("violationCount", violationCount());
        json.put("violationsByKind", violationsByKind);
        json.put("quarantine", (quarantine == null ? QuarantineCounts.none() : quarantine).json());
        json.put("derivedRows", derivedRows == null ? Map.of() : derivedRows);
        if (state != null) {
            json.put("state", state.json());
        }
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
