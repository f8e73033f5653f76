package io.decisionledger.privacy;

import io.decisionledger.chain.RecordLayout;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.decision.ErasedColumns;
import io.decisionledger.schema.DecisionRecord;
import java.time.Instant;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Erases personal columns of one stored decision in place (GDPR Art. 17) so that its content hash
 * and chain hash still verify: each erased column's commitment c_i is kept in {@code
 * erased_columns_json}, its value replaced by the erasure marker, and a layout-3 record's salt
 * removed (schemas/CANONICAL.md section 8). On a layout-3 record erasure therefore always covers
 * every personal column: without the salt none of them could be verified any more. On a layout-2
 * record the kept commitment is the unsalted digest d_i, which for short low-entropy values can be
 * reversed by guessing. The building block of the erasure job; rewriting files is not its concern.
 */
public final class RecordErasure {

    private RecordErasure() {}

    /**
     * Erases {@code columns} of {@code r} (all personal columns for layout 3, whatever is asked).
     *
     * @throws IllegalArgumentException for a column that is not personal, or a record whose layout
     *     columns do not verify in the first place
     */
    public static void erase(
            DecisionRecord r, Collection<String> columns, String requestId, Instant erasedAt) {
        RecordLayout layout = RecordLayout.of(r.getRecordLayout());
        if (layout == null) {
            throw new IllegalArgumentException("unknown record_layout " + r.getRecordLayout());
        }
        SortedMap<String, String> kept =
                r.getErasedColumnsJson() == null
                        ? new TreeMap<>()
                        : ErasedColumns.parse(r.getErasedColumnsJson());
        List<String> targets =
                layout == RecordLayout.LAYOUT_3
                        ? CanonicalContent.personalColumns()
                        : List.copyOf(columns);
        for (String column : columns) {
            if (!CanonicalContent.isPersonal(CanonicalContent.position(column))) {
                throw new IllegalArgumentException(column + " is not a personal column");
            }
        }
        boolean layout3 = layout == RecordLayout.LAYOUT_3;
        byte[] salt = r.getFieldSalt() == null ? null : HexFormat.of().parseHex(r.getFieldSalt());
        CanonicalContent content = new CanonicalContent();
        for (String column : targets) {
            if (kept.containsKey(column)) {
                continue;
            }
            if (layout3 && salt == null) {
                throw new IllegalArgumentException(
                        "layout-3 record without field_salt: " + column + " cannot be committed");
            }
            byte[] c = content.commitment(r, CanonicalContent.position(column), layout3, salt);
            kept.put(column, HexFormat.of().formatHex(c));
        }
        for (String column : targets) {
            ErasedColumns.putMarker(r, column);
        }
        r.setErasedColumnsJson(ErasedColumns.render(kept));
        r.setFieldSalt(null);
        r.setErasureRequestId(requestId);
        r.setErasedAt(erasedAt);
    }
}
