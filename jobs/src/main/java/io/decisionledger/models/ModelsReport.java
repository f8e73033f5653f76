package io.decisionledger.models;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ModelVersionCard;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.fs.FileStatus;

/**
 * {@code Main models-report}: the decisions the ingest job stored without a fully valid model card
 * ({@code model_card_status} NO_CARD or MISSING_CERTIFICATION, or null for records stored before
 * the registry existed), per tenant, model version and status, and how they stand now.
 *
 * <p>Re-linking: the audit lake is append-only, so a card registered after a model version's first
 * decisions cannot be written into those records. The report re-links them on read instead: for
 * every flagged decision it takes the card in force now for its model version (latest {@code
 * registered_at}, as the ingest job does) and the tenant's required certifications, and says what
 * the decision's status is today. {@code --relinks-out FILE} writes that overlay, one CSV row per
 * decision (tenant_id, event_id, model_version, status_at_ingest, card_id, card_sha256,
 * status_now), so an auditor can join it to the audit lake. Event ids and tenants only: no personal
 * data.
 */
public final class ModelsReport {

    /** One (tenant, model version, status at ingest) group of flagged decisions. */
    public record Group(
            String tenantId,
            String modelVersion,
            String statusAtIngest,
            long decisions,
            Instant firstEventTime,
            Instant lastEventTime,
            String cardIdNow,
            Instant cardRegisteredAt,
            ModelCardStatus statusNow,
            List<String> missingCertificationsNow) {

        /** True when the card now in force was registered after the group's first decision. */
        public boolean cardRegisteredAfterFirstDecision() {
            return cardRegisteredAt != null && cardRegisteredAt.isAfter(firstEventTime);
        }
    }

    /** A flagged decision and the card it is linked to now. */
    public record Relink(
            String tenantId,
            String eventId,
            String modelVersion,
            String statusAtIngest,
            String cardId,
            String cardSha256,
            ModelCardStatus statusNow) {}

    public record Result(
            long decisionsScanned, long cards, List<Group> groups, List<Relink> relinks) {
        public long flagged() {
            return relinks.size();
        }

        public long stillFlagged() {
            return relinks.stream().filter(r -> r.statusNow() != ModelCardStatus.LINKED).count();
        }
    }

    private ModelsReport() {}

    /** The registry: every card, and the one in force per model version. */
    public static Map<String, ModelVersionCard> cardsInForce(LakeLayout lake) throws IOException {
        Map<String, ModelVersionCard> inForce = new HashMap<>();
        for (FileStatus f : LakeFiles.parquetFiles(lake.modelVersions())) {
            LakeFiles.forEachRecord(
                    f,
                    ModelVersionCard.class,
                    c -> {
                        ModelVersionCard current = inForce.get(c.getModelVersion());
                        if (current == null || ModelCardLinker.supersedes(c, current)) {
                            inForce.put(c.getModelVersion(), c);
                        }
                    });
        }
        return inForce;
    }

    public static Result run(LakeLayout lake, RequiredCertifications required, String tenant)
            throws IOException {
        Map<String, ModelVersionCard> inForce = cardsInForce(lake);
        long[] cards = {0};
        for (FileStatus f : LakeFiles.parquetFiles(lake.modelVersions())) {
            cards[0] += LakeFiles.rowCount(f);
        }
        Map<List<String>, long[]> counts = new TreeMap<>(ModelsReport::compareKeys);
        Map<List<String>, Instant[]> times = new HashMap<>();
        List<Relink> relinks = new ArrayList<>();
        long[] scanned = {0};
        for (org.apache.flink.core.fs.Path partition :
                LakeFiles.auditPartitions(lake, tenant, null, null)) {
            for (FileStatus f : LakeFiles.parquetFiles(partition)) {
                LakeFiles.forEachRecord(
                        f,
                        DecisionRecord.class,
                        d -> {
                            scanned[0]++;
                            String status = d.getModelCardStatus();
                            if (ModelCardStatus.LINKED.name().equals(status)) {
                                return;
                            }
                            String atIngest = status == null ? "NOT_LINKED" : status;
                            ModelVersionCard card = inForce.get(d.getModelVersion());
                            // link() writes the columns of a copy: the stored record stays as is.
                            DecisionRecord copy = DecisionRecord.newBuilder(d).build();
                            ModelCardStatus now = ModelCardLinker.link(copy, card, required);
                            relinks.add(
                                    new Relink(
                                            d.getTenantId(),
                                            d.getEventId(),
                                            d.getModelVersion(),
                                            atIngest,
                                            copy.getModelCardId(),
                                            copy.getModelCardSha256(),
                                            now));
                            List<String> key =
                                    List.of(d.getTenantId(), d.getModelVersion(), atIngest);
                            counts.computeIfAbsent(key, k -> new long[1])[0]++;
                            Instant[] t =
                                    times.computeIfAbsent(
                                            key,
                                            k ->
                                                    new Instant[] {
                                                        d.getEventTime(), d.getEventTime()
                                                    });
                            if (d.getEventTime().isBefore(t[0])) {
                                t[0] = d.getEventTime();
                            }
                            if (d.getEventTime().isAfter(t[1])) {
                                t[1] = d.getEventTime();
                            }
                        });
            }
        }
        List<Group> groups = new ArrayList<>();
        for (Map.Entry<List<String>, long[]> e : counts.entrySet()) {
            List<String> k = e.getKey();
            ModelVersionCard card = inForce.get(k.get(1));
            List<String> missing = card == null ? List.of() : required.missing(k.get(0), card);
            ModelCardStatus now =
                    card == null
                            ? ModelCardStatus.NO_CARD
                            : missing.isEmpty()
                                    ? ModelCardStatus.LINKED
                                    : ModelCardStatus.MISSING_CERTIFICATION;
            Instant[] t = times.get(k);
            groups.add(
                    new Group(
                            k.get(0),
                            k.get(1),
                            k.get(2),
                            e.getValue()[0],
                            t[0],
                            t[1],
                            card == null ? null : card.getCardId(),
                            card == null ? null : card.getRegisteredAt(),
                            now,
                            missing));
        }
        relinks.sort(
                (a, b) ->
                        a.tenantId().equals(b.tenantId())
                                ? a.eventId().compareTo(b.eventId())
                                : a.tenantId().compareTo(b.tenantId()));
        return new Result(scanned[0], cards[0], groups, relinks);
    }

    private static int compareKeys(List<String> a, List<String> b) {
        for (int i = 0; i < a.size(); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    public static void print(Result r, PrintStream out) {
        out.printf(
                "models-report: %d decisions scanned, %d model cards registered, %d flagged at"
                        + " ingest, %d still flagged after re-linking%n",
                r.decisionsScanned(), r.cards(), r.flagged(), r.stillFlagged());
        if (r.groups().isEmpty()) {
            out.println("every stored decision is linked to a registered, certified model card");
            return;
        }
        out.printf(
                "%-16s %-28s %-22s %8s  %-24s %-24s  %s%n",
                "tenant",
                "model_version",
                "status_at_ingest",
                "count",
                "first_decision",
                "last_decision",
                "now");
        for (Group g : r.groups()) {
            String now;
            if (g.cardIdNow() == null) {
                now = "NO_CARD: still no card registered for this version";
            } else {
                now =
                        g.statusNow()
                                + " -> card "
                                + g.cardIdNow()
                                + " registered "
                                + g.cardRegisteredAt()
                                + (g.cardRegisteredAfterFirstDecision()
                                        ? " (after the first decision: re-linked)"
                                        : "")
                                + (g.missingCertificationsNow().isEmpty()
                                        ? ""
                                        : ", missing "
                                                + String.join("+", g.missingCertificationsNow()));
            }
            out.printf(
                    "%-16s %-28s %-22s %8d  %-24s %-24s  %s%n",
                    g.tenantId(),
                    g.modelVersion(),
                    g.statusAtIngest(),
                    g.decisions(),
                    g.firstEventTime(),
                    g.lastEventTime(),
                    now);
        }
    }

    public static void writeRelinks(Result r, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(
                    "tenant_id,event_id,model_version,status_at_ingest,card_id,card_sha256,status_now\n");
            for (Relink l : r.relinks()) {
                w.write(
                        String.join(
                                        ",",
                                        csv(l.tenantId()),
                                        csv(l.eventId()),
                                        csv(l.modelVersion()),
                                        l.statusAtIngest(),
                                        csv(l.cardId()),
                                        csv(l.cardSha256()),
                                        l.statusNow().name())
                                + "\n");
            }
        }
    }

    private static String csv(String v) {
        if (v == null) {
            return "";
        }
        return v.contains(",") || v.contains("\"") || v.contains("\n")
                ? "\"" + v.replace("\"", "\"\"") + "\""
                : v;
    }

    public static void main(String[] args) throws IOException {
        ModelsReportOptions options = ModelsReportOptions.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        Result r = run(options.lake(), options.required(), options.tenant());
        print(r, System.out);
        if (options.relinksOut() != null) {
            writeRelinks(r, options.relinksOut());
            System.out.println("re-link overlay written to " + options.relinksOut());
        }
    }
}
