package io.decisionledger.retention;

import com.fasterxml.jackson.databind.JsonNode;
import io.decisionledger.decision.DecisionIds;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Legal holds: records that must not be deleted whatever their age, because of litigation, a
 * regulator's inquiry or a data subject's pending complaint. A hold covers a whole tenant, one user
 * of a tenant, or one case of a tenant, and says why and who placed it ({@code --legal-holds}):
 *
 * <pre>{@code
 * {"holds": [
 *   {"id": "LH-2026-014", "tenant_id": "bank_456", "user_id": "user-0042",
 *    "reason": "Litigation: applicant appeal 2026-CV-1187", "placed_by": "j.doe@bank.example",
 *    "placed_at": "2026-10-01"}
 * ]}
 * }</pre>
 *
 * The file names data subjects, so it is read where it is needed (the client for tenant holds, each
 * task for user and case holds) and never copied into the job graph, logs or reports: those name
 * the hold id only. Releasing a hold is removing its entry; the next run deletes what it protected.
 *
 * <p>Fail safe: the file is strict JSON (a repeated key is refused, never read as "no holds"); ids
 * are trimmed and must be ids ingest accepts ({@link DecisionIds}), and a hold id must be a
 * reference, since reports name it; refusals name the hold's index and id, never a user or case.
 * Quarantined rows, which keep raw input with unparsed ids, are matched conservatively ({@link
 * #quarantineHoldOf}).
 */
public final class LegalHolds {

    /** One hold. Exactly one of tenant-wide, {@code userId} or {@code caseId} scope. */
    public record Hold(
            String id,
            String tenantId,
            String userId,
            String caseId,
            String reason,
            String placedBy,
            LocalDate placedAt) {

        public boolean tenantWide() {
            return userId == null && caseId == null;
        }

        /** "tenant", "user" or "case": for reports (never the id it holds). */
        public String scope() {
            return tenantWide() ? "tenant" : userId != null ? "user" : "case";
        }
    }

    /** Hold ids are references (LH-2026-014), safe to name in reports and logs. */
    private static final Pattern HOLD_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}");

    private final List<Hold> holds;
    private final String sha256;
    private final Map<String, Map<String, String>> userHolds = new HashMap<>();
    private final Map<String, Map<String, String>> caseHolds = new HashMap<>();
    private final Map<String, Hold> tenantHolds = new HashMap<>();

    private LegalHolds(List<Hold> holds, String sha256) {
        this.holds = holds;
        this.sha256 = sha256;
        for (Hold h : holds) {
            if (h.userId() != null) {
                userHolds
                        .computeIfAbsent(h.tenantId(), t -> new HashMap<>())
                        .put(h.userId(), h.id());
            } else if (h.caseId() != null) {
                caseHolds
                        .computeIfAbsent(h.tenantId(), t -> new HashMap<>())
                        .put(h.caseId(), h.id());
            } else {
                tenantHolds.putIfAbsent(h.tenantId(), h);
            }
        }
    }

    public static LegalHolds none() {
        return new LegalHolds(List.of(), "");
    }

    /** Reads and validates a hold file from a Flink file system URI or a local path. */
    public static LegalHolds load(String location) {
        byte[] bytes = PolicyFiles.read(location);
        return parse(bytes, location, PolicyFiles.sha256(bytes));
    }

    static LegalHolds parse(byte[] json, String source, String sha256) {
        JsonNode root = PolicyFiles.parse(json, source);
        PolicyFiles.onlyKeys(root, Set.of("holds"), source, "$");
        JsonNode list = root.get("holds");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException(source + ": $.holds must be an array");
        }
        List<Hold> holds = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String where = "$.holds[" + i + "]";
            JsonNode h = list.get(i);
            if (!h.isObject()) {
                throw new IllegalArgumentException(source + ": " + where + " must be an object");
            }
            PolicyFiles.onlyKeys(
                    h,
                    Set.of(
                            "id",
                            "tenant_id",
                            "user_id",
                            "case_id",
                            "reason",
                            "placed_by",
                            "placed_at"),
                    source,
                    where);
            String id = PolicyFiles.text(h, "id", true, source, where);
            if (!HOLD_ID.matcher(id).matches()) {
                // the id is what reports and logs name, so it must be a reference, not free text
                throw new IllegalArgumentException(
                        source
                                + ": "
                                + where
                                + ".id must be a reference such as LH-2026-014 (letters, digits,"
                                + " '-', '_', '.', ':' and '/', at most 64, starting with a letter"
                                + " or digit)");
            }
            if (!ids.add(id)) {
                throw new IllegalArgumentException(
                        source + ": " + where + ".id '" + id + "' is used twice");
            }
            String tenant = PolicyFiles.text(h, "tenant_id", true, source, where);
            refuse(DecisionIds.tenantIdProblem(tenant), source, where, "tenant_id", id);
            String user = PolicyFiles.text(h, "user_id", false, source, where);
            if (user != null) {
                refuse(DecisionIds.userIdProblem(user), source, where, "user_id", id);
            }
            String kase = PolicyFiles.text(h, "case_id", false, source, where);
            if (kase != null) {
                refuse(DecisionIds.caseIdProblem(kase), source, where, "case_id", id);
            }
            if (user != null && kase != null) {
                throw new IllegalArgumentException(
                        source
                                + ": "
                                + where
                                + " (hold "
                                + id
                                + ") names both user_id and case_id; place two holds");
            }
            String placedAt = PolicyFiles.text(h, "placed_at", false, source, where);
            LocalDate date = null;
            if (placedAt != null) {
                try {
                    date = LocalDate.parse(placedAt);
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException(
                            source + ": " + where + ".placed_at must be a date, yyyy-MM-dd");
                }
            }
            holds.add(
                    new Hold(
                            id,
                            tenant,
                            user,
                            kase,
                            PolicyFiles.text(h, "reason", true, source, where),
                            PolicyFiles.text(h, "placed_by", true, source, where),
                            date));
        }
        return new LegalHolds(Collections.unmodifiableList(holds), sha256);
    }

    /** An id ingest would refuse can match no record: the file is refused, naming no value. */
    private static void refuse(
            String problem, String source, String where, String key, String holdId) {
        if (problem != null) {
            throw new IllegalArgumentException(
                    source
                            + ": "
                            + where
                            + "."
                            + key
                            + " (hold "
                            + holdId
                            + ") can match no record: "
                            + problem);
        }
    }

    public List<Hold> holds() {
        return holds;
    }

    /** SHA-256 of the file as read, so tasks can check they apply the holds the client planned. */
    public String sha256() {
        return sha256;
    }

    /** The hold that keeps everything of {@code tenantId}, or null. */
    public Hold tenantHold(String tenantId) {
        return tenantHolds.get(tenantId);
    }

    /**
     * Id of the hold keeping a record of this tenant, user and case, or null when none does. Ids
     * are compared trimmed on both sides: ingest stores them as sent, the hold file is trimmed.
     */
    public String holdOf(String tenantId, String userId, String caseId) {
        Hold t = tenantHolds.get(tenantId);
        if (t != null) {
            return t.id();
        }
        Map<String, String> users = userHolds.get(tenantId);
        if (users != null && userId != null) {
            String id = users.get(userId.strip());
            if (id != null) {
                return id;
            }
        }
        Map<String, String> cases = caseHolds.get(tenantId);
        return cases != null && caseId != null ? cases.get(caseId.strip()) : null;
    }

    /**
     * Whether any user or case hold names {@code tenantId} (their records are found row by row).
     */
    public boolean holdsRowsOf(String tenantId) {
        return userHolds.containsKey(tenantId) || caseHolds.containsKey(tenantId);
    }

    /**
     * Id of a hold that may cover a quarantined record, or null. Quarantine keeps the raw input,
     * whose user and case ids were never parsed (the record was refused), so the match is
     * conservative: a row is held when its tenant is under a tenant-wide hold, or when its raw
     * bytes contain the user or case id of a hold on its tenant, or, when its tenant could not be
     * read, contain the tenant of a tenant-wide hold or the user or case id of any hold. A
     * substring match keeps too much rather than too little.
     *
     * @param tenantId the tenant the ingest job could read and validate, or null
     * @param raw the Kafka value as received (may be null)
     */
    public String quarantineHoldOf(String tenantId, byte[] raw) {
        if (holds.isEmpty()) {
            return null;
        }
        if (tenantId != null) {
            Hold t = tenantHolds.get(tenantId);
            if (t != null) {
                return t.id();
            }
        }
        if (raw == null || raw.length == 0) {
            return null;
        }
        RawText text = new RawText(raw);
        for (Hold h : holds) {
            if (tenantId != null && !h.tenantId().equals(tenantId)) {
                continue;
            }
            String needle =
                    h.userId() != null
                            ? h.userId()
                            : h.caseId() != null ? h.caseId() : h.tenantId();
            if (text.contains(needle)) {
                return h.id();
            }
        }
        return null;
    }

    /** A raw payload as text twice: as sent, and with JSON string escapes undone. */
    private static final class RawText {
        private final String asSent;
        private final String unescaped;

        RawText(byte[] raw) {
            this.asSent = new String(raw, StandardCharsets.UTF_8);
            this.unescaped = unescape(asSent);
        }

        boolean contains(String needle) {
            return asSent.contains(needle) || unescaped.contains(needle);
        }

        /**
         * Undoes JSON escapes (an escaped slash, a unicode escape, ...) leniently: bad ones stay.
         */
        private static String unescape(String s) {
            if (s.indexOf('\\') < 0) {
                return s;
            }
            StringBuilder out = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c != '\\' || i + 1 >= s.length()) {
                    out.append(c);
                    continue;
                }
                char n = s.charAt(i + 1);
                switch (n) {
                    case '"', '\\', '/' -> {
                        out.append(n);
                        i++;
                    }
                    case 'b' -> {
                        out.append('\b');
                        i++;
                    }
                    case 'f' -> {
                        out.append('\f');
                        i++;
                    }
                    case 'n' -> {
                        out.append('\n');
                        i++;
                    }
                    case 'r' -> {
                        out.append('\r');
                        i++;
                    }
                    case 't' -> {
                        out.append('\t');
                        i++;
                    }
                    case 'u' -> {
                        if (isHex(s, i + 2, i + 6)) {
                            out.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                            i += 5;
                        } else {
                            out.append(c);
                        }
                    }
                    default -> out.append(c);
                }
            }
            return out.toString();
        }

        private static boolean isHex(String s, int from, int to) {
            if (to > s.length()) {
                return false;
            }
            for (int i = from; i < to; i++) {
                if (Character.digit(s.charAt(i), 16) < 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
