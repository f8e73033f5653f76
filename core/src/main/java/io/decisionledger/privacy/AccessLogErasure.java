package io.decisionledger.privacy;

import io.decisionledger.access.AccessLogHasher;
import io.decisionledger.decision.ErasedColumns;
import io.decisionledger.schema.AccessLogEntry;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Erases the personal columns of one access-log entry in place ({@code purpose}, {@code
 * query_json}; GDPR Art. 17), so that the entry's chain hash and every hash after it still verify:
 * each column's commitment c_i is kept in {@code erased_columns_json}, its value replaced by the
 * marker {@code [ERASED]}, and a layout-2 entry's salt removed (schemas/CANONICAL.md section 6, the
 * rules of section 8). An erasure always covers both personal columns. On a layout-1 entry (written
 * before salted commitments) the kept commitment is the bare digest d_i, which for a short
 * low-entropy value (a user id in a one-parameter query) can be reversed by trying candidates. The
 * access-log counterpart of {@link RecordErasure}; rewriting files is not its concern.
 */
public final class AccessLogErasure {

    private AccessLogErasure() {}

    /** True when both personal columns of {@code e} are erased already. */
    public static boolean fullyErased(AccessLogEntry e) {
        Map<String, String> erased = AccessLogHasher.erasedOrEmpty(e);
        return erased != null && erased.keySet().containsAll(AccessLogHasher.personalColumns());
    }

    /**
     * Erases both personal columns of {@code e}.
     *
     * @throws IllegalArgumentException when the entry's layout columns do not verify in the first
     *     place (names the rule, never a value)
     */
    public static void erase(AccessLogEntry e, String requestId, Instant erasedAt) {
        String problem = AccessLogHasher.layoutProblem(e);
        if (problem != null) {
            throw new IllegalArgumentException(
                    "access-log entry " + e.getLogSeq() + " cannot be erased: " + problem);
        }
        SortedMap<String, String> kept =
                e.getErasedColumnsJson() == null
                        ? new TreeMap<>()
                        : AccessLogHasher.erased(e.getErasedColumnsJson());
        AccessLogHasher hasher = new AccessLogHasher();
        for (String column : AccessLogHasher.personalColumns()) {
            if (!kept.containsKey(column)) {
                kept.put(
                        column,
                        HexFormat.of()
                                .formatHex(hasher.commitment(e, AccessLogHasher.position(column))));
            }
        }
        e.setPurpose(ErasedColumns.MARKER);
        e.setQueryJson(ErasedColumns.MARKER);
        e.setErasedColumnsJson(ErasedColumns.render(kept));
        e.setFieldSalt(null);
        e.setErasureRequestId(requestId);
        e.setErasedAt(erasedAt);
    }
}
