package io.decisionledger.retention;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.decision.StrictJson;
import io.decisionledger.retention.RetentionPolicy.Obligation;
import io.decisionledger.rights.SubjectRecords.Located;
import java.time.LocalDate;
import java.time.Period;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides, for an erasure request (GDPR Art. 17), what happens to each stored decision of the data
 * subject, from the tenant's retention policy and the legal holds:
 *
 * <ol>
 *   <li>a record under a legal hold (Art. 17(3)(e): legal claims) is kept, restricted, until the
 *       hold is released ({@link Outcome#HELD});
 *   <li>else a record that a legal obligation still requires (Art. 17(3)(b): e.g. Reg B's 25
 *       months, the EU AI Act's six months of logs) is kept, restricted, and erased on the first
 *       day after its last obligation ends ({@link Outcome#DEFERRED}) — earlier than the tenant's
 *       general retention when that is longer: the general period is the bank's choice, not an
 *       obligation, and yields to the request;
 *   <li>else it is erased now ({@link Outcome#ERASE_NOW}).
 * </ol>
 *
 * Pure: the same records, policy, holds and day give the same result. It sits in {@code jobs} with
 * the retention policy and holds it reads (core may not import jobs); the request log and the plans
 * it produces are core's ({@code io.decisionledger.rights}).
 */
public final class ErasureEvaluation {

    /** What happens to one record. */
    public enum Outcome {
        ERASE_NOW,
        DEFERRED,
        HELD
    }

    /**
     * The decision on one record.
     *
     * @param until DEFERRED: the first day it may be erased; else null
     * @param obligations DEFERRED: the regulations still requiring it
     * @param holdId HELD: the hold's id (a reference, never the subject)
     */
    public record RecordDecision(
            String eventId,
            LocalDate eventDate,
            Outcome outcome,
            LocalDate until,
            List<String> obligations,
            String holdId) {}

    /** The evaluation of a request on {@code asOf}. */
    public record Result(
            String requestId,
            String tenantId,
            LocalDate asOf,
            String policyVersion,
            Period generalRetention,
            List<Obligation> obligations,
            String legalHoldsSha256,
            List<RecordDecision> records) {

        public List<String> eraseNow() {
            return ids(Outcome.ERASE_NOW);
        }

        public List<RecordDecision> of(Outcome o) {
            return records.stream().filter(r -> r.outcome() == o).toList();
        }

        private List<String> ids(Outcome o) {
            return of(o).stream().map(RecordDecision::eventId).toList();
        }

        /** Whether any record stays restricted (deferred or held). */
        public boolean restricts() {
            return !of(Outcome.DEFERRED).isEmpty() || !of(Outcome.HELD).isEmpty();
        }

        /** The earliest day a deferred record comes free, or null. */
        public LocalDate nextDue() {
            return of(Outcome.DEFERRED).stream()
                    .map(RecordDecision::until)
                    .min(LocalDate::compareTo)
                    .orElse(null);
        }

        /** The regulations that defer at least one record, sorted. */
        public Set<String> deferringRegulations() {
            Set<String> out = new TreeSet<>();
            of(Outcome.DEFERRED).forEach(r -> out.addAll(r.obligations()));
            return out;
        }

        /**
         * The decision and its reasons as the request's EVALUATED entry records them: event ids,
         * dates, outcomes, obligations and hold ids, never a subject id.
         */
        public String detailsJson() {
            ObjectNode root = StrictJson.mapper().createObjectNode();
            root.put("as_of", asOf.toString());
            root.put("retention_policy_version", policyVersion);
            root.put("general_retention", generalRetention.toString());
            ArrayNode obs = root.putArray("obligations");
            for (Obligation o : obligations) {
                obs.addObject()
                        .put("regulation", o.regulation())
                        .put("period", o.period().toString());
            }
            root.put("legal_holds_sha256", legalHoldsSha256);
            root.put("erase_now", of(Outcome.ERASE_NOW).size());
            root.put("deferred", of(Outcome.DEFERRED).size());
            root.put("held", of(Outcome.HELD).size());
            if (nextDue() != null) {
                root.put("next_due", nextDue().toString());
            }
            ArrayNode recs = root.putArray("records");
            for (RecordDecision r : records) {
                ObjectNode n = recs.addObject();
                n.put("event_id", r.eventId());
                n.put("event_date", r.eventDate().toString());
                n.put("decision", r.outcome().name());
                switch (r.outcome()) {
                    case ERASE_NOW ->
                            n.put(
                                    "reason",
                                    "no legal obligation or hold requires it any longer (Art."
                                            + " 17(1))");
                    case DEFERRED -> {
                        n.put("until", r.until().toString());
                        ArrayNode regs = n.putArray("obligations");
                        r.obligations().forEach(regs::add);
                        n.put(
                                "reason",
                                "kept for compliance with a legal obligation (Art. 17(3)(b)),"
                                        + " restricted (Art. 18) until then");
                    }
                    case HELD -> {
                        n.put("hold_id", r.holdId());
                        n.put(
                                "reason",
                                "kept for legal claims under a legal hold (Art. 17(3)(e)),"
                                        + " restricted (Art. 18) until its release");
                    }
                }
            }
            return root.toString();
        }
    }

    private ErasureEvaluation() {}

    /**
     * Evaluates an erasure request of a subject whose stored records are {@code records} (found by
     * {@code io.decisionledger.rights.SubjectRecords}).
     */
    public static Result evaluate(
            String requestId,
            String tenantId,
            List<Located> records,
            RetentionPolicy policy,
            LegalHolds holds,
            LocalDate asOf) {
        List<Obligation> obligations = policy.obligationsOf(tenantId);
        List<RecordDecision> out = new ArrayList<>();
        for (Located r : records) {
            String hold = holds.holdOf(tenantId, r.userId(), r.caseId());
            if (hold != null) {
                out.add(
                        new RecordDecision(
                                r.eventId(), r.eventDate(), Outcome.HELD, null, List.of(), hold));
                continue;
            }
            LocalDate until = null;
            List<String> active = new ArrayList<>();
            for (Obligation o : obligations) {
                LocalDate ends = o.endsFor(r.eventDate());
                if (ends.isAfter(asOf)) {
                    active.add(o.regulation());
                    if (until == null || ends.isAfter(until)) {
                        until = ends;
                    }
                }
            }
            out.add(
                    until == null
                            ? new RecordDecision(
                                    r.eventId(),
                                    r.eventDate(),
                                    Outcome.ERASE_NOW,
                                    null,
                                    List.of(),
                                    null)
                            : new RecordDecision(
                                    r.eventId(),
                                    r.eventDate(),
                                    Outcome.DEFERRED,
                                    until,
                                    List.copyOf(active),
                                    null));
        }
        return new Result(
                requestId,
                tenantId,
                asOf,
                policy.version(),
                policy.periodOf(tenantId),
                obligations,
                holds.sha256(),
                List.copyOf(out));
    }
}
