package io.decisionledger.replay;

import io.decisionledger.schema.ReplayResult;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a replay run found: per (recorded model version, replayed model) the number of decisions,
 * matches, drifts and errors and the match rate (matches over decisions with an answer, errors
 * excluded), errors by code, and the worst drifts: approved flipped first, then the largest
 * |confidence difference|. Lists tenant and event ids only, never decision content.
 */
public record ReplaySummary(
        List<Line> perModel, Map<String, Long> errors, List<ReplayResult> worstDrifts, long total) {

    public record Line(
            String storedModelVersion,
            String replayModel,
            long decisions,
            long matches,
            long drifts,
            long errors) {
        /** Matches / (matches + drifts); NaN when every decision errored. */
        public double matchRate() {
            long answered = matches + drifts;
            return answered == 0 ? Double.NaN : (double) matches / answered;
        }
    }

    public static ReplaySummary of(List<ReplayResult> results, int worst) {
        Map<List<String>, long[]> counts = new TreeMap<>(Comparator.comparing(Object::toString));
        Map<String, Long> errors = new TreeMap<>();
        List<ReplayResult> drifts = new ArrayList<>();
        for (ReplayResult r : results) {
            long[] c =
                    counts.computeIfAbsent(
                            List.of(r.getStoredModelVersion(), r.getReplayModel()),
                            k -> new long[4]);
            c[0]++;
            switch (ReplayStatus.valueOf(r.getStatus())) {
                case MATCH -> c[1]++;
                case DRIFT -> {
                    c[2]++;
                    drifts.add(r);
                }
                case ERROR -> {
                    c[3]++;
                    errors.merge(r.getError(), 1L, Long::sum);
                }
            }
        }
        List<Line> lines = new ArrayList<>();
        counts.forEach((k, c) -> lines.add(new Line(k.get(0), k.get(1), c[0], c[1], c[2], c[3])));
        drifts.sort(
                Comparator.comparing((ReplayResult r) -> Boolean.TRUE.equals(r.getApprovedEqual()))
                        .thenComparing(
                                r ->
                                        r.getConfidenceDelta() == null
                                                ? 0.0
                                                : -Math.abs(r.getConfidenceDelta()))
                        .thenComparing(ReplayResult::getEventId));
        return new ReplaySummary(
                lines, errors, drifts.subList(0, Math.min(worst, drifts.size())), results.size());
    }

    public void print(PrintStream out) {
        out.printf("replayed %d decisions%n", total);
        out.printf(
                "%-28s %-28s %8s %8s %8s %8s %10s%n",
                "recorded_version", "replayed_with", "n", "match", "drift", "error", "match_rate");
        for (Line l : perModel) {
            out.printf(
                    "%-28s %-28s %8d %8d %8d %8d %10s%n",
                    l.storedModelVersion(),
                    l.replayModel(),
                    l.decisions(),
                    l.matches(),
                    l.drifts(),
                    l.errors(),
                    Double.isNaN(l.matchRate())
                            ? "-"
                            : String.format("%.1f%%", 100 * l.matchRate()));
        }
        if (!errors.isEmpty()) {
            out.println("errors: " + errors);
        }
        if (!worstDrifts.isEmpty()) {
            out.println("worst drifts:");
            for (ReplayResult r : worstDrifts) {
                out.printf(
                        "  %s/%s approved %s -> %s, confidence %s -> %s (delta %s), reasoning similarity %s%n",
                        r.getTenantId(),
                        r.getEventId(),
                        r.getStoredApproved(),
                        r.getReplayedApproved(),
                        r.getStoredConfidence(),
                        r.getReplayedConfidence(),
                        r.getConfidenceDelta() == null
                                ? "-"
                                : String.format("%+.3f", r.getConfidenceDelta()),
                        r.getReasoningSimilarity() == null
                                ? "-"
                                : String.format("%.2f", r.getReasoningSimilarity()));
            }
        }
    }
}
