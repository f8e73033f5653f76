package io.decisionledger.chain;

import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.decision.ErasedColumns;
import io.decisionledger.schema.DecisionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Recomputes one stored decision under the layout it was written with ({@link RecordLayout}): its
 * content hash (layout 2: DLC2; layout 3: DLC3 with the record's salt), taking the kept commitment
 * of every erased column instead of computing it, and its chain hash (DLR1 or DLR3). Before that it
 * checks the record's layout columns hang together: a known layout, a salt where one is needed and
 * none where it must be gone, erased columns holding their marker. The one place that knows the
 * layouts: the verify job, chain proofs and evidence bundles all call it, and the ingest job hashes
 * with the same {@link CanonicalContent} and {@link ChainHasher}. One instance per thread.
 */
public final class RecordVerifier {

    /** What erasure did to a record: the columns, when and under which request. */
    public record Erasure(List<String> columns, String requestId, Instant erasedAt) {}

    /**
     * The outcome for one record.
     *
     * @param layout the layout it was verified under; null when its record_layout is unknown
     * @param layoutValue the stored record_layout
     * @param problem why the layout columns do not hang together (names columns, never values);
     *     null when they do
     * @param contentSha256 the recomputed content hash; null when it could not be recomputed
     * @param contentOk the recomputed content hash equals the stored one (false with a problem)
     * @param erasure what erasure did, or null when nothing is erased (or erased_columns_json is
     *     unreadable)
     */
    public record Result(
            RecordLayout layout,
            Integer layoutValue,
            String problem,
            String contentSha256,
            boolean contentOk,
            Erasure erasure) {}

    private static final HexFormat HEX = HexFormat.of();

    private final CanonicalContent content = new CanonicalContent();
    private final ChainHasher hasher = new ChainHasher();

    /** Checks the layout columns of {@code r} and recomputes its content hash. */
    public Result verifyContent(DecisionRecord r) {
        RecordLayout layout = RecordLayout.of(r.getRecordLayout());
        if (layout == null) {
            return new Result(
                    null,
                    r.getRecordLayout(),
                    "record_layout "
                            + r.getRecordLayout()
                            + " is not a known layout (null = layout 2, 3 = layout 3)",
                    null,
                    false,
                    null);
        }
        SortedMap<String, String> erased = null;
        Erasure erasure = null;
        String problem = null;
        if (r.getErasedColumnsJson() != null) {
            try {
                erased = ErasedColumns.parse(r.getErasedColumnsJson());
                erasure =
                        new Erasure(
                                List.copyOf(erased.keySet()),
                                r.getErasureRequestId(),
                                r.getErasedAt());
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
        }
        if (problem == null) {
            problem = layoutProblem(r, layout, erased);
        }
        if (problem != null) {
            return new Result(layout, r.getRecordLayout(), problem, null, false, erasure);
        }
        byte[][] kept = null;
        if (erased != null) {
            kept = new byte[CanonicalContent.COLUMNS.size() + 1][];
            for (Map.Entry<String, String> e : erased.entrySet()) {
                kept[CanonicalContent.position(e.getKey())] = HEX.parseHex(e.getValue());
            }
        }
        byte[] salt = r.getFieldSalt() == null ? null : Hex64.parse(r.getFieldSalt());
        String recomputed = content.sha256Hex(r, layout == RecordLayout.LAYOUT_3, salt, kept);
        return new Result(
                layout,
                r.getRecordLayout(),
                null,
                recomputed,
                recomputed.equals(r.getContentSha256()),
                erasure);
    }

    /**
     * The chain hash of {@code r} after {@code prevHashHex}, under its layout, from its stored
     * content_sha256; null when prev_hash or content_sha256 is not 64 hex characters or the layout
     * is unknown.
     */
    public String chainHash(String prevHashHex, DecisionRecord r) {
        if (!isHex64(prevHashHex)
                || !isHex64(r.getContentSha256())
                || RecordLayout.of(r.getRecordLayout()) == null) {
            return null;
        }
        return hasher.hash(prevHashHex, r);
    }

    /**
     * True when {@code storedHash} is the chain hash of {@code r} after {@code prevHash}, under its
     * layout, from its stored content_sha256: {@link #chainHash} compared with the stored hash, on
     * bytes. Both are 32 bytes, or null when the stored value is not 64 lower-case hex characters
     * ({@link Hex64#parse}); false then, as when content_sha256 is not 64 lower-case hex characters
     * or the layout is unknown (the cases {@link #chainHash} returns null for, or a hex string the
     * stored one cannot equal).
     */
    public boolean chainHashMatches(byte[] prevHash, DecisionRecord r, byte[] storedHash) {
        if (prevHash == null || storedHash == null) {
            return false;
        }
        RecordLayout layout = RecordLayout.of(r.getRecordLayout());
        byte[] content = Hex64.parse(r.getContentSha256());
        if (layout == null || content == null) {
            return false;
        }
        return java.util.Arrays.equals(hasher.hash(prevHash, content, layout, r), storedHash);
    }

    private static String layoutProblem(
            DecisionRecord r, RecordLayout layout, SortedMap<String, String> erased) {
        String salt = r.getFieldSalt();
        if (salt != null && !isHex64(salt)) {
            return "field_salt is not 64 lower-case hex characters";
        }
        if (erased == null) {
            if (r.getErasureRequestId() != null || r.getErasedAt() != null) {
                return "erasure_request_id or erased_at is set but erased_columns_json is null";
            }
            if (layout == RecordLayout.LAYOUT_3 && salt == null) {
                return "layout-3 record without field_salt and without erased columns";
            }
            if (layout == RecordLayout.LAYOUT_2 && salt != null) {
                return "layout-2 record carries a field_salt";
            }
            return null;
        }
        if (r.getErasureRequestId() == null || r.getErasedAt() == null) {
            return "erased record without erasure_request_id or erased_at";
        }
        for (String column : erased.keySet()) {
            if (!CanonicalContent.isPersonal(CanonicalContent.position(column))) {
                return "erased_columns_json names " + column + ", which is not a personal column";
            }
            if (!ErasedColumns.holdsMarker(r, column)) {
                return "column "
                        + column
                        + " is listed as erased but holds a value instead of its erasure marker";
            }
        }
        if (layout == RecordLayout.LAYOUT_2) {
            return salt != null ? "layout-2 record carries a field_salt" : null;
        }
        if (salt != null) {
            return "layout-3 record keeps field_salt after erasure: the kept commitments could be"
                    + " reversed by guessing";
        }
        List<String> notErased = new ArrayList<>();
        for (String column : CanonicalContent.personalColumns()) {
            if (!erased.containsKey(column)) {
                notErased.add(column);
            }
        }
        if (!notErased.isEmpty()) {
            return "layout-3 erasure removed the salt but not every personal column (not erased: "
                    + String.join(", ", notErased)
                    + "), so those cannot be verified";
        }
        return null;
    }

    static boolean isHex64(String s) {
        return Hex64.is(s);
    }
}
