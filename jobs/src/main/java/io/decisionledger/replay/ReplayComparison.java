package io.decisionledger.replay;

import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ReplayResult;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Compares a replayed decision with the stored one. MATCH: approved equal and |confidence
 * difference| within the tolerance (a missing confidence on either side only matches a missing
 * one); DRIFT: otherwise; ERROR: the replay gave no usable decision (HTTP error after retries,
 * timeout, a response without a decision). Reasoning similarity is the Jaccard index of the two
 * reasonings' sets of lower-case word tokens (maximal runs of letters and digits): |A ∩ B| / |A ∪
 * B|, 1 when both are empty, null when either reasoning is missing. It is reported, not used for
 * the verdict: wording varies between runs of the same model.
 */
public final class ReplayComparison {

    private ReplayComparison() {}

    /** The stored decision: its decision block, else the decision stated in its response. */
    public static ReplayRequests.ModelDecision stored(DecisionRecord d) {
        if (d.getDecisionApproved() != null) {
            return new ReplayRequests.ModelDecision(
                    d.getDecisionApproved(), d.getDecisionConfidence(), d.getDecisionReasoning());
        }
        return ReplayRequests.decision(d.getResponseContent());
    }

    public static ReplayResult compare(
            String runId,
            DecisionRecord stored,
            String replayModel,
            ChatCompletionsClient.Reply reply,
            double tolerance) {
        ReplayResult r = base(runId, stored, replayModel);
        r.setAttempts(reply.attempts());
        r.setLatencyMs(reply.latencyMs());
        ReplayRequests.ModelDecision was = stored(stored);
        if (was != null) {
            r.setStoredApproved(was.approved());
            r.setStoredConfidence(was.confidence());
        }
        if (!reply.ok()) {
            r.setStatus(ReplayStatus.ERROR.name());
            r.setError(reply.error());
            return r;
        }
        String content = ReplayRequests.content(reply.body());
        r.setReplayedContent(content);
        ReplayRequests.ModelDecision now = ReplayRequests.decision(content);
        if (now == null) {
            r.setStatus(ReplayStatus.ERROR.name());
            r.setError(content == null ? "NO_CONTENT" : "NO_DECISION_IN_RESPONSE");
            return r;
        }
        r.setReplayedApproved(now.approved());
        r.setReplayedConfidence(now.confidence());
        r.setReplayedReasoning(now.reasoning());
        if (was == null) {
            r.setStatus(ReplayStatus.ERROR.name());
            r.setError("NO_STORED_DECISION");
            return r;
        }
        boolean approvedEqual = was.approved().equals(now.approved());
        r.setApprovedEqual(approvedEqual);
        boolean confidenceClose;
        if (was.confidence() != null && now.confidence() != null) {
            double delta = now.confidence() - was.confidence();
            r.setConfidenceDelta(delta);
            confidenceClose = Math.abs(delta) <= tolerance + 1e-12;
        } else {
            confidenceClose = was.confidence() == null && now.confidence() == null;
        }
        if (was.reasoning() != null && now.reasoning() != null) {
            r.setReasoningSimilarity(similarity(was.reasoning(), now.reasoning()));
        }
        r.setStatus(
                (approvedEqual && confidenceClose ? ReplayStatus.MATCH : ReplayStatus.DRIFT)
                        .name());
        return r;
    }

    /** A result for a decision that got no reply at all (the async operator timed out). */
    public static ReplayResult timedOut(String runId, DecisionRecord stored, String replayModel) {
        ReplayResult r = base(runId, stored, replayModel);
        ReplayRequests.ModelDecision was = stored(stored);
        if (was != null) {
            r.setStoredApproved(was.approved());
            r.setStoredConfidence(was.confidence());
        }
        r.setStatus(ReplayStatus.ERROR.name());
        r.setError("TIMEOUT_OVERALL");
        r.setAttempts(0);
        r.setLatencyMs(-1L);
        return r;
    }

    private static ReplayResult base(String runId, DecisionRecord stored, String replayModel) {
        ReplayResult r = new ReplayResult();
        r.setRunId(runId);
        r.setTenantId(stored.getTenantId());
        r.setEventId(stored.getEventId());
        r.setEventTime(stored.getEventTime());
        r.setStoredModel(stored.getModel());
        r.setStoredModelVersion(stored.getModelVersion());
        r.setReplayModel(replayModel);
        r.setWhatIf(!replayModel.equals(stored.getModelVersion()));
        r.setReplayedAt(Instant.now().truncatedTo(ChronoUnit.MICROS));
        return r;
    }

    /** Jaccard similarity of lower-case word-token sets; 1 when both have no tokens. */
    public static double similarity(String a, String b) {
        Set<String> x = tokens(a);
        Set<String> y = tokens(b);
        if (x.isEmpty() && y.isEmpty()) {
            return 1.0;
        }
        Set<String> union = new HashSet<>(x);
        union.addAll(y);
        x.retainAll(y);
        return (double) x.size() / union.size();
    }

    static Set<String> tokens(String text) {
        Set<String> out = new HashSet<>();
        for (String t : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{Nd}]+")) {
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }
}
