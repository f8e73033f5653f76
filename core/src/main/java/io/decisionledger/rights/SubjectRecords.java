package io.decisionledger.rights;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rights.ErasurePlan.SubjectType;
import io.decisionledger.rights.RequestLog.Subject;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * Finds the stored decisions of data subjects in one tenant's {@code audit/decisions} by reading
 * the id columns only ({@link #COLUMNS}: never a prompt, context or response): what an erasure
 * request is evaluated on, and how replay and exports find the records of restricted subjects. A
 * row counts for the tenant by its own {@code tenant_id}, not its folder.
 */
public final class SubjectRecords {

    /** The columns read. */
    public static final List<String> COLUMNS =
            List.of("event_id", "event_time", "tenant_id", "user_id", "case_id");

    /**
     * One stored decision of a subject: where it is and what dates it.
     *
     * @param eventDate the UTC date of its event time (its partition's date)
     */
    public record Located(
            String eventId,
            Instant eventTime,
            LocalDate eventDate,
            String userId,
            String caseId,
            String file) {

        /** Whether the record belongs to {@code s}. */
        public boolean of(Subject s) {
            return s.type() == SubjectType.USER ? s.id().equals(userId) : s.id().equals(caseId);
        }
    }

    private SubjectRecords() {}

    /** Every stored decision of the tenant that belongs to one of {@code subjects}. */
    public static List<Located> find(LakeLayout lake, String tenantId, Set<Subject> subjects)
            throws IOException {
        List<Located> out = new ArrayList<>();
        if (subjects.isEmpty()) {
            return out;
        }
        for (Path partition : LakeFiles.auditPartitions(lake, tenantId, null, null)) {
            for (FileStatus f : LakeFiles.parquetFiles(partition)) {
                String file = f.getPath().toString();
                LakeFiles.forEachRecord(
                        f,
                        DecisionRecord.getClassSchema(),
                        COLUMNS,
                        row -> {
                            if (!tenantId.equals(text(row, "tenant_id"))) {
                                return;
                            }
                            Instant time =
                                    Instant.EPOCH.plus(
                                            (Long) row.get("event_time"), ChronoUnit.MICROS);
                            Located l =
                                    new Located(
                                            text(row, "event_id"),
                                            time,
                                            LocalDate.ofInstant(time, ZoneOffset.UTC),
                                            text(row, "user_id"),
                                            text(row, "case_id"),
                                            file);
                            for (Subject s : subjects) {
                                if (l.of(s)) {
                                    out.add(l);
                                    return;
                                }
                            }
                        });
            }
        }
        out.sort(Comparator.comparing(Located::eventTime).thenComparing(Located::eventId));
        return out;
    }

    private static String text(GenericRecord row, String column) {
        Object v = row.get(column);
        return v == null ? null : v.toString();
    }
}
