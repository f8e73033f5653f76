package io.decisionledger.retention;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
            if (!ids.add(id)) {
                throw new IllegalArgumentException(
                        source + ": " + where + ".id '" + id + "' is used twice");
            }
            String user = PolicyFiles.text(h, "user_id", false, source, where);
            String kase = PolicyFiles.text(h, "case_id", false, source, where);
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
                            PolicyFiles.text(h, "tenant_id", true, source, where),
                            user,
                            kase,
                            PolicyFiles.text(h, "reason", true, source, where),
                            PolicyFiles.text(h, "placed_by", true, source, where),
                            date));
        }
        return new LegalHolds(Collections.unmodifiableList(holds), sha256);
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

    /** Id of the hold keeping a record of this tenant, user and case, or null when none does. */
    public String holdOf(String tenantId, String userId, String caseId) {
        Hold t = tenantHolds.get(tenantId);
        if (t != null) {
            return t.id();
        }
        Map<String, String> users = userHolds.get(tenantId);
        if (users != null && userId != null) {
            String id = users.get(userId);
            if (id != null) {
                return id;
            }
        }
        Map<String, String> cases = caseHolds.get(tenantId);
        return cases != null && caseId != null ? cases.get(caseId) : null;
    }
}
