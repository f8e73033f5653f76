package io.decisionledger.rewrite;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.OpsDecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The three record datasets a partition rewrite works on (compaction merges them, retention deletes
 * from them), with what differs between them: where they live, their record class, how a partition
 * folder names its date, the order rows are written in (so that a point lookup touches few row
 * groups) and the columns that get bloom filters.
 */
public enum Dataset {
    /**
     * Full records, sorted by user id then event time; bloom filters on user_id, case_id and
     * event_id (the keys of the audit queries).
     */
    AUDIT(
            LakeLayout.AUDIT_DECISIONS,
            DecisionRecord.class,
            List.of("tenant_id=", "event_date="),
            List.of("user_id", "case_id", "event_id")),
    /** The masked copy, sorted by user pseudonym then event time (ops has no user id). */
    OPS(
            LakeLayout.OPS_DECISIONS,
            OpsDecisionRecord.class,
            List.of("tenant_id=", "event_date="),
            List.of("user_pseudonym", "event_id")),
    /** Refused input, sorted by ingest time then Kafka coordinates (it has no reliable user). */
    QUARANTINE(
            LakeLayout.QUARANTINE,
            QuarantineRecord.class,
            List.of("ingest_date="),
            List.of("event_id"));

    private final String directory;
    private final Class<? extends SpecificRecordBase> recordClass;
    private final List<String> partitionKeys;
    private final List<String> bloomColumns;

    Dataset(
            String directory,
            Class<? extends SpecificRecordBase> recordClass,
            List<String> partitionKeys,
            List<String> bloomColumns) {
        this.directory = directory;
        this.recordClass = recordClass;
        this.partitionKeys = partitionKeys;
        this.bloomColumns = bloomColumns;
    }

    /** Folder under the lake root, e.g. {@code audit/decisions}. */
    public String directory() {
        return directory;
    }

    public Class<? extends SpecificRecordBase> recordClass() {
        return recordClass;
    }

    /** Folder name prefixes of the partition levels, outermost first; the last holds the date. */
    public List<String> partitionKeys() {
        return partitionKeys;
    }

    public List<String> bloomColumns() {
        return bloomColumns;
    }

    /** Whether partitions are per tenant (quarantine is not: its tenant may be unreadable). */
    public boolean perTenant() {
        return partitionKeys.get(0).equals("tenant_id=");
    }

    /**
     * The date of a partition given as its relative path ({@code tenant_id=T/event_date=D}), or
     * null when the last folder is not a valid date.
     */
    public LocalDate date(String partition) {
        String last = partition.substring(partition.lastIndexOf('/') + 1);
        String key = partitionKeys.get(partitionKeys.size() - 1);
        if (!last.startsWith(key)) {
            return null;
        }
        try {
            return LocalDate.parse(last.substring(key.length()));
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The order compacted files are written in. */
    @SuppressWarnings("unchecked")
    public Comparator<SpecificRecordBase> order() {
        Comparator<?> c =
                switch (this) {
                    case AUDIT ->
                            Comparator.comparing(DecisionRecord::getUserId)
                                    .thenComparing(DecisionRecord::getEventTime)
                                    .thenComparing(DecisionRecord::getEventId);
                    case OPS ->
                            Comparator.comparing(OpsDecisionRecord::getUserPseudonym)
                                    .thenComparing(OpsDecisionRecord::getEventTime)
                                    .thenComparing(OpsDecisionRecord::getEventId);
                    case QUARANTINE ->
                            Comparator.comparing(QuarantineRecord::getIngestTime)
                                    .thenComparing(QuarantineRecord::getSourceTopic)
                                    .thenComparing(QuarantineRecord::getSourcePartition)
                                    .thenComparing(QuarantineRecord::getSourceOffset);
                };
        return (Comparator<SpecificRecordBase>) c;
    }

    /**
     * The record's event id (null for quarantined input without one): a typed record of the
     * dataset's class or a generic one of its schema.
     */
    public String eventId(IndexedRecord record) {
        return SortEntry.eventId(this, record);
    }

    /** {@code audit}, {@code ops} or {@code quarantine}: the name used in options and reports. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Dataset ofLabel(String label) {
        for (Dataset d : values()) {
            if (d.label().equals(label.strip().toLowerCase(Locale.ROOT))) {
                return d;
            }
        }
        throw new IllegalArgumentException(
                "unknown dataset '" + label + "'; use audit, ops or quarantine");
    }
}
