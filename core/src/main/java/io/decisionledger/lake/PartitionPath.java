package io.decisionledger.lake;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Hive-style partition folder names ({@code key=value}) of the lake. Dates are UTC calendar dates
 * written as {@code yyyy-MM-dd} strings, which every BI tool parses the same way. Values are
 * validated upstream (tenant ids cannot contain '/', '=' or '..'), so no escaping is needed.
 */
public final class PartitionPath {

    private PartitionPath() {}

    /** {@code tenant_id=T/event_date=D} for a decision. */
    public static String tenantDate(String tenantId, Instant eventTime) {
        return "tenant_id=" + tenantId + "/event_date=" + utcDate(eventTime);
    }

    /** {@code ingest_date=D} for a quarantined record. */
    public static String ingestDate(Instant ingestTime) {
        return "ingest_date=" + utcDate(ingestTime);
    }

    /**
     * {@code granularity=G/tenant_id=T/window_date=D} for a metrics window (D: its start's date).
     */
    public static String metricsWindow(String granularity, String tenantId, Instant windowStart) {
        return "granularity="
                + granularity
                + "/tenant_id="
                + tenantId
                + "/window_date="
                + utcDate(windowStart);
    }

    public static LocalDate utcDate(Instant instant) {
        return LocalDate.ofInstant(instant, ZoneOffset.UTC);
    }
}
