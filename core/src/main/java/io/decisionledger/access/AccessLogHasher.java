package io.decisionledger.access;

import io.decisionledger.decision.ErasedColumns;
import io.decisionledger.decision.FieldDigests;
import io.decisionledger.decision.SaltedCommitment;
import io.decisionledger.schema.AccessLogEntry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Links access-log entries into the lake's access-log hash chain (schemas/CANONICAL.md section 6),
 * under the layout each entry was written with ({@code entry_layout}): layout 1 ({@code DLA1},
 * entries written before layout 2) hashes {@code prev_hash ‖ "DLA1" ‖ d(access_id) ‖ … ‖
 * d(log_seq)} with the same per-field digests ({@link FieldDigests}) as the decision chain; layout
 * 2 ({@code DLA2}) commits to the two personal columns ({@code purpose}, {@code query_json}) under
 * the entry's random salt instead, exactly as decision record layout 3 does ({@link
 * SaltedCommitment}), so that the commitments kept after an erasure reveal nothing. A verifier
 * takes the kept commitment of an erased column from {@code erased_columns_json}; a deleted,
 * altered, reordered or inserted entry, or a change to a column that is not erased, breaks the
 * chain. One instance per thread.
 */
public final class AccessLogHasher {

    /** prev_hash of the first entry. */
    public static final String GENESIS = "0".repeat(64);

    /** The {@code entry_layout} value of layout 2 (null = layout 1). */
    public static final int LAYOUT_2 = 2;

    static final byte[] MAGIC = "DLA1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] MAGIC_2 = "DLA2".getBytes(StandardCharsets.US_ASCII);

    /** Leads the HMAC message of a layout-2 personal-column commitment. */
    static final byte[] FIELD_MAGIC_2 = "DLAF".getBytes(StandardCharsets.US_ASCII);

    /** The hashed columns, in hash order: column i (1-based) is {@code COLUMNS.get(i - 1)}. */
    public static final List<String> COLUMNS =
            List.of(
                    "access_id",
                    "access_time",
                    "actor",
                    "actor_role",
                    "via",
                    "channel",
                    "action",
                    "purpose",
                    "dataset",
                    "tenant_id",
                    "record_ids",
                    "query_json",
                    "outcome",
                    "log_seq");

    /**
     * The columns that may name a data subject: {@code purpose} (8, the caller's free text) and
     * {@code query_json} (12, the query's parameters). Salted in layout 2, erasable in both.
     */
    private static final int[] PERSONAL = {8, 12};

    private final MessageDigest digest = FieldDigests.sha256();
    private final FieldDigests fields = new FieldDigests();
    private final SaltedCommitment hmac = new SaltedCommitment();
    private final byte[] d = new byte[COLUMNS.size() * 32];
    private final byte[] c = new byte[32];

    /** The personal columns, in column order. */
    public static List<String> personalColumns() {
        return java.util.Arrays.stream(PERSONAL).mapToObj(i -> COLUMNS.get(i - 1)).toList();
    }

    /** True when column {@code i} (1-based) is personal. */
    public static boolean isPersonal(int i) {
        for (int p : PERSONAL) {
            if (p == i) {
                return true;
            }
        }
        return false;
    }

    /** 1-based position of a hashed column, or -1. */
    public static int position(String column) {
        return COLUMNS.indexOf(column) + 1;
    }

    /** The layout of {@code e}: 1 (entry_layout null) or the stored value, known or not. */
    public static int layout(AccessLogEntry e) {
        return e.getEntryLayout() == null ? 1 : e.getEntryLayout();
    }

    /**
     * The hash of {@code e} after an entry whose hash is {@code prevHashHex}, under its layout,
     * taking the kept commitment of every erased column.
     *
     * @throws IllegalArgumentException when the entry's layout columns do not hang together ({@link
     *     #layoutProblem}); the message names columns, never values
     */
    public String hash(String prevHashHex, AccessLogEntry e) {
        String problem = layoutProblem(e);
        if (problem != null) {
            throw new IllegalArgumentException(
                    "access-log entry " + e.getLogSeq() + ": " + problem);
        }
        SortedMap<String, String> kept =
                e.getErasedColumnsJson() == null ? null : erased(e.getErasedColumnsJson());
        boolean layout2 = layout(e) == LAYOUT_2;
        fieldDigests(e);
        hmac.key(e.getFieldSalt() == null ? null : HexFormat.of().parseHex(e.getFieldSalt()));
        digest.reset();
        digest.update(HexFormat.of().parseHex(prevHashHex));
        digest.update(layout2 ? MAGIC_2 : MAGIC);
        for (int i = 1; i <= COLUMNS.size(); i++) {
            String keptHex = kept == null ? null : kept.get(COLUMNS.get(i - 1));
            if (keptHex != null) {
                digest.update(HexFormat.of().parseHex(keptHex));
            } else {
                commit(i, layout2, c);
                digest.update(c);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * Null when {@code e} recomputes to its stored hash after {@code prevHashHex}, else why not
     * (names columns and rules, never values).
     */
    public String problem(String prevHashHex, AccessLogEntry e) {
        if (!isHex64(prevHashHex)) {
            return "prev_hash is not 64 lower-case hex characters";
        }
        String layout = layoutProblem(e);
        if (layout != null) {
            return layout;
        }
        return hash(prevHashHex, e).equals(e.getHash())
                ? null
                : "hash does not recompute (entry altered)";
    }

    /**
     * The commitment c_i the chain hash takes for column {@code i} (1-based) of {@code e}: d_i, or
     * for a personal column of a layout-2 entry its HMAC under the entry's salt. What an erasure
     * keeps.
     */
    public byte[] commitment(AccessLogEntry e, int i) {
        boolean layout2 = layout(e) == LAYOUT_2;
        fieldDigests(e);
        hmac.key(e.getFieldSalt() == null ? null : HexFormat.of().parseHex(e.getFieldSalt()));
        byte[] out = new byte[32];
        commit(i, layout2, out);
        return out;
    }

    /**
     * Why the layout columns of {@code e} do not hang together (schemas/CANONICAL.md section 6, the
     * rules of section 8 applied to the access log), or null: a known layout; a salt exactly where
     * one is needed; erased columns only personal, holding the marker, with request id and time; a
     * layout-2 entry erased in full with its salt gone.
     */
    public static String layoutProblem(AccessLogEntry e) {
        int layout = layout(e);
        if (layout != 1 && layout != LAYOUT_2) {
            return "entry_layout "
                    + layout
                    + " is not a known layout (null = layout 1, 2 = layout 2)";
        }
        String salt = e.getFieldSalt();
        if (salt != null && !isHex64(salt)) {
            return "field_salt is not 64 lower-case hex characters";
        }
        if (e.getErasedColumnsJson() == null) {
            if (e.getErasureRequestId() != null || e.getErasedAt() != null) {
                return "erasure_request_id or erased_at is set but erased_columns_json is null";
            }
            if (layout == LAYOUT_2 && salt == null) {
                return "layout-2 entry without field_salt and without erased columns";
            }
            if (layout == 1 && salt != null) {
                return "layout-1 entry carries a field_salt";
            }
            return null;
        }
        SortedMap<String, String> erased;
        try {
            erased = erased(e.getErasedColumnsJson());
        } catch (IllegalArgumentException x) {
            return x.getMessage();
        }
        if (e.getErasureRequestId() == null || e.getErasedAt() == null) {
            return "erased entry without erasure_request_id or erased_at";
        }
        for (String column : erased.keySet()) {
            if (!isPersonal(position(column))) {
                return "erased_columns_json names " + column + ", which is not a personal column";
            }
            if (!ErasedColumns.MARKER.equals(value(e, column))) {
                return "column "
                        + column
                        + " is listed as erased but holds a value instead of its erasure marker";
            }
        }
        if (layout == 1) {
            return salt != null ? "layout-1 entry carries a field_salt" : null;
        }
        if (salt != null) {
            return "layout-2 entry keeps field_salt after erasure: the kept commitments could be"
                    + " reversed by guessing";
        }
        List<String> notErased = new ArrayList<>();
        for (String column : personalColumns()) {
            if (!erased.containsKey(column)) {
                notErased.add(column);
            }
        }
        if (!notErased.isEmpty()) {
            return "layout-2 erasure removed the salt but not every personal column (not erased: "
                    + String.join(", ", notErased)
                    + "), so those cannot be verified";
        }
        return null;
    }

    /** The parsed erased_columns_json of an entry. */
    public static SortedMap<String, String> erased(String json) {
        return ErasedColumns.parse(json, COLUMNS, "access-log column");
    }

    /** Erased columns and their kept commitments, or an empty map; null when unreadable. */
    public static Map<String, String> erasedOrEmpty(AccessLogEntry e) {
        if (e.getErasedColumnsJson() == null) {
            return Map.of();
        }
        try {
            return erased(e.getErasedColumnsJson());
        } catch (IllegalArgumentException x) {
            return null;
        }
    }

    private static String value(AccessLogEntry e, String personalColumn) {
        return switch (personalColumn) {
            case "purpose" -> e.getPurpose();
            case "query_json" -> e.getQueryJson();
            default -> throw new IllegalArgumentException(personalColumn + " is not personal");
        };
    }

    private void commit(int i, boolean layout2, byte[] out) {
        int off = (i - 1) * 32;
        if (!layout2 || !isPersonal(i)) {
            System.arraycopy(d, off, out, 0, 32);
            return;
        }
        if (!hmac.keyed()) {
            throw new IllegalStateException(
                    "column " + COLUMNS.get(i - 1) + " needs the entry's salt, which is absent");
        }
        hmac.commit(FIELD_MAGIC_2, i, d, off, out);
    }

    private void fieldDigests(AccessLogEntry e) {
        fields.into(d, 0)
                .string(e.getAccessId())
                .timestamp(e.getAccessTime())
                .string(e.getActor())
                .string(e.getActorRole())
                .string(e.getVia())
                .string(e.getChannel())
                .string(e.getAction())
                .string(e.getPurpose())
                .string(e.getDataset())
                .string(e.getTenantId())
                .stringList(e.getRecordIds())
                .string(e.getQueryJson())
                .string(e.getOutcome())
                .int64(e.getLogSeq());
    }

    static boolean isHex64(String s) {
        return s != null
                && s.length() == 64
                && s.chars().allMatch(ch -> (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'));
    }
}
