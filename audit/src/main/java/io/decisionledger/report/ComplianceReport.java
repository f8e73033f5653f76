package io.decisionledger.report;

import io.decisionledger.access.AccessLog;
import io.decisionledger.access.Caller;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rights.RequestEntry;
import io.decisionledger.rights.RequestLog;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.LateDecision;
import io.decisionledger.schema.QuarantineRecord;
import io.decisionledger.schema.ReplayResult;
import io.decisionledger.schema.RetentionSummary;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * The figures of the periodic compliance report for one tenant and period (EU AI Act Art. 72
 * post-market monitoring, SR 26-2 model monitoring), computed with the lake readers: decisions per
 * day and model version, approval and denial rates with the version changes, the confidence
 * distribution and its drift against the previous period of the same length, the stated reasons of
 * denials, decisions without a linked model card, replay runs, quarantine by reason, late
 * decisions, access to full records, and integrity (chain heads, coverage, the access-log and
 * request-log chains, retention, data-subject requests).
 *
 * <p>Aggregates only: no user id, case id, prompt or response leaves this class. Stated reasons are
 * shown only when at least {@code minGroupSize} distinct applicants were given the same text, so a
 * reason written for one person cannot be read off the report. Each figure carries the DuckDB SQL
 * that recomputes it ({@link ReportSql}).
 */
public final class ComplianceReport {

    /** The report's period and what it was computed from. */
    public record Period(String tenant, LocalDate from, LocalDate to) {
        public Period {
            if (to.isBefore(from)) {
                throw new IllegalArgumentException("--to is before --from");
            }
        }

        /** Days in the period, both ends included. */
        public long days() {
            return ChronoUnit.DAYS.between(from, to) + 1;
        }

        /** The first day of the previous period of the same length. */
        public LocalDate previousFrom() {
            return from.minusDays(days());
        }
    }

    /** A chain check that is not a figure: what was checked, whether it held, and a detail. */
    public record Check(String name, boolean intact, String detail) {}

    /** What {@link #compute} produced. */
    public record Result(
            Period period,
            Instant generatedAt,
            int minGroupSize,
            List<Figure> figures,
            List<Check> checks) {
        public Figure figure(String id) {
            return figures.stream()
                    .filter(f -> f.id().equals(id))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no figure " + id));
        }
    }

    /** The default smallest group of applicants a stated reason is shown for. */
    public static final int DEFAULT_MIN_GROUP_SIZE = 5;

    private static final List<String> DECISION_COLUMNS =
            List.of(
                    "tenant_id",
                    "user_id",
                    "event_time",
                    "ingest_time",
                    "model_version",
                    "decision_approved",
                    "decision_confidence",
                    "decision_reasoning",
                    "model_card_status",
                    "chain_shard",
                    "chain_seq");

    private final LakeLayout lake;
    private final Clock clock;

    public ComplianceReport(LakeLayout lake, Clock clock) {
        this.lake = lake;
        this.clock = clock;
    }

    /**
     * Computes every figure. {@code caller} must be allowed to read the tenant's data-subject
     * requests (a compliance officer granted the tenant); the caller's role and grant are checked
     * before by the command.
     */
    public Result compute(Caller caller, Period p, int minGroupSize) throws IOException {
        ReportSql sql =
                new ReportSql(lake, p.tenant(), p.from(), p.to(), p.previousFrom(), minGroupSize);
        List<Figure> figures = new ArrayList<>();
        Decisions d = readDecisions(p);
        figures.add(decisionsPerDay(sql, d));
        figures.add(versionChanges(sql, d));
        figures.add(confidenceHistogram(sql, d));
        figures.add(confidenceDrift(sql, d));
        figures.add(statedReasons(sql, d, minGroupSize));
        figures.add(cardStatus(sql, d));
        List<ReplayResult> replays = replays(p);
        boolean replaysPresent = present(lake.resolve("replays"));
        figures.add(replayRuns(sql, replays, replaysPresent));
        figures.add(worstDrifts(sql, replays, replaysPresent));
        figures.add(quarantine(sql, p, d));
        figures.add(lateDecisions(sql, p));
        figures.add(access(sql, p));
        Map<Integer, Long> headSeq = new TreeMap<>();
        figures.add(heads(sql, p, headSeq));
        figures.add(coverage(sql, d, headSeq));
        figures.add(retention(sql, p));
        List<Check> checks = new ArrayList<>();
        figures.add(requests(sql, caller, p, checks));
        AccessLog.Verification v = new AccessLog(lake, clock).verify();
        checks.add(
                0,
                new Check(
                        "access-log chain",
                        v.intact(),
                        v.entries()
                                + " entries, "
                                + (v.intact() ? "intact" : v.problems().size() + " problem(s)")));
        return new Result(p, clock.instant(), minGroupSize, List.copyOf(figures), checks);
    }

    // ---- decisions ---------------------------------------------------------------------------

    /** One decision's columns the report uses, from audit/decisions. */
    private record Row(
            LocalDate date,
            String user,
            LocalDate ingestDate,
            String version,
            Boolean approved,
            Double confidence,
            String reasoning,
            String cardStatus,
            Integer shard,
            Long seq) {}

    /** The period's and the previous period's decisions, and every decision's first-day facts. */
    private record Decisions(
            Period period,
            List<Row> inRange,
            Map<String, LocalDate> firstDay,
            long acceptedIngestedInPeriod) {
        List<Row> current() {
            return inRange.stream().filter(r -> !r.date.isBefore(period.from())).toList();
        }
    }

    private Decisions readDecisions(Period p) throws IOException {
        Schema stored = DecisionRecord.getClassSchema();
        List<Row> rows = new ArrayList<>();
        Map<String, LocalDate> firstDay = new TreeMap<>();
        long[] ingested = {0};
        for (Path partition : LakeFiles.auditPartitions(lake, p.tenant(), null, null)) {
            LocalDate date =
                    LocalDate.parse(partitionValue(partition.toString() + "/", "event_date"));
            boolean inRange = !date.isBefore(p.previousFrom()) && !date.isAfter(p.to());
            List<String> columns =
                    inRange
                            ? DECISION_COLUMNS
                            : List.of("tenant_id", "event_time", "ingest_time", "model_version");
            for (FileStatus f : LakeFiles.parquetFiles(partition)) {
                LakeFiles.forEachRecord(
                        f,
                        stored,
                        columns,
                        r -> {
                            if (!p.tenant().equals(str(r, "tenant_id"))) {
                                return; // a misfiled row of another tenant: never counted
                            }
                            String version = str(r, "model_version");
                            LocalDate ingest = day((Long) r.get("ingest_time"));
                            if (!ingest.isBefore(p.from()) && !ingest.isAfter(p.to())) {
                                ingested[0]++;
                            }
                            if (!date.isAfter(p.to())) {
                                LocalDate first = day((Long) r.get("event_time"));
                                firstDay.merge(version, first, (a, b) -> a.isBefore(b) ? a : b);
                            }
                            if (inRange) {
                                rows.add(
                                        new Row(
                                                date,
                                                str(r, "user_id"),
                                                ingest,
                                                version,
                                                (Boolean) r.get("decision_approved"),
                                                (Double) r.get("decision_confidence"),
                                                str(r, "decision_reasoning"),
                                                str(r, "model_card_status"),
                                                (Integer) r.get("chain_shard"),
                                                (Long) r.get("chain_seq")));
                            }
                        });
            }
        }
        return new Decisions(p, rows, firstDay, ingested[0]);
    }

    private Figure decisionsPerDay(ReportSql sql, Decisions d) {
        Map<List<Object>, long[]> counts = new TreeMap<>(KEY_ORDER);
        for (Row r : d.current()) {
            long[] c = counts.computeIfAbsent(List.of(r.date, r.version), k -> new long[3]);
            c[0]++;
            if (Boolean.TRUE.equals(r.approved)) {
                c[1]++;
            } else if (Boolean.FALSE.equals(r.approved)) {
                c[2]++;
            }
        }
        List<List<Object>> rows = new ArrayList<>();
        counts.forEach(
                (k, c) ->
                        rows.add(
                                List.of(
                                        k.get(0),
                                        k.get(1),
                                        c[0],
                                        c[1],
                                        c[2],
                                        (double) c[1] / c[0],
                                        (double) c[2] / c[0])));
        return new Figure(
                "decisions_per_day",
                "Decisions per day and model version, with approval and denial rates",
                "audit/decisions",
                true,
                sql.fill(ReportSql.DECISIONS_PER_DAY),
                List.of(
                        "event_date",
                        "model_version",
                        "decisions",
                        "approved",
                        "denied",
                        "approval_rate",
                        "denial_rate"),
                rows);
    }

    private Figure versionChanges(ReportSql sql, Decisions d) {
        List<List<Object>> rows = new ArrayList<>();
        d.firstDay.forEach((v, day) -> rows.add(List.of(v, day)));
        return new Figure(
                "version_changes",
                "First day of each model version (the version changes marked on the rate chart)",
                "audit/decisions",
                true,
                sql.fill(ReportSql.VERSION_CHANGES),
                List.of("model_version", "first_day"),
                rows);
    }

    private static String period(Decisions d, Row r) {
        return r.date.isBefore(d.period.from()) ? "previous" : "current";
    }

    private Figure confidenceHistogram(ReportSql sql, Decisions d) {
        Map<List<Object>, Long> counts = new TreeMap<>(KEY_ORDER);
        for (Row r : d.inRange) {
            if (r.confidence != null) {
                counts.merge(
                        List.of(r.version, period(d, r), DriftStatistics.bin(r.confidence)),
                        1L,
                        Long::sum);
            }
        }
        List<List<Object>> rows = new ArrayList<>();
        counts.forEach((k, n) -> rows.add(List.of(k.get(0), k.get(1), k.get(2), n)));
        return new Figure(
                "confidence_histogram",
                "Confidence distribution per model version, this period and the previous one",
                "audit/decisions",
                true,
                sql.fill(ReportSql.CONFIDENCE_HISTOGRAM),
                List.of("model_version", "period", "bin", "decisions"),
                rows);
    }

    private Figure confidenceDrift(ReportSql sql, Decisions d) {
        Map<String, List<Double>> previous = new TreeMap<>();
        Map<String, List<Double>> current = new TreeMap<>();
        for (Row r : d.inRange) {
            if (r.confidence != null) {
                previous.computeIfAbsent(r.version, k -> new ArrayList<>());
                current.computeIfAbsent(r.version, k -> new ArrayList<>());
                ("previous".equals(period(d, r)) ? previous : current)
                        .get(r.version)
                        .add(r.confidence);
            }
        }
        List<List<Object>> rows = new ArrayList<>();
        for (String v : previous.keySet()) {
            double[] e = previous.get(v).stream().mapToDouble(Double::doubleValue).toArray();
            double[] a = current.get(v).stream().mapToDouble(Double::doubleValue).toArray();
            double psi = DriftStatistics.psi(bins(e), bins(a));
            double ks = DriftStatistics.ks(e, a);
            List<Object> row = new ArrayList<>();
            row.add(v);
            row.add((long) e.length);
            row.add((long) a.length);
            row.add(Double.isNaN(psi) ? null : psi);
            row.add(Double.isNaN(ks) ? null : ks);
            row.add(DriftStatistics.psiFlag(psi).name());
            row.add(DriftStatistics.ksFlag(ks, e.length, a.length).name());
            rows.add(row);
        }
        return new Figure(
                "confidence_drift",
                "Confidence drift against the previous period: PSI and KS statistic",
                "audit/decisions",
                true,
                sql.fill(ReportSql.CONFIDENCE_DRIFT),
                List.of(
                        "model_version",
                        "previous_n",
                        "current_n",
                        "psi",
                        "ks",
                        "psi_flag",
                        "ks_flag"),
                rows);
    }

    private static long[] bins(double[] values) {
        long[] b = new long[DriftStatistics.BINS];
        for (double v : values) {
            b[DriftStatistics.bin(v)]++;
        }
        return b;
    }

    private Figure statedReasons(ReportSql sql, Decisions d, int minGroup) {
        Map<List<Object>, Long> counts = new HashMap<>();
        Map<List<Object>, Set<String>> users = new HashMap<>();
        for (Row r : d.current()) {
            if (Boolean.FALSE.equals(r.approved) && r.reasoning != null) {
                List<Object> k = List.of(r.version, r.reasoning);
                counts.merge(k, 1L, Long::sum);
                users.computeIfAbsent(k, x -> new HashSet<>()).add(String.valueOf(r.user));
            }
        }
        List<List<Object>> rows = new ArrayList<>();
        counts.forEach(
                (k, n) -> {
                    if (users.get(k).size() >= minGroup) {
                        rows.add(List.of(k.get(0), k.get(1), n));
                    }
                });
        rows.sort(
                Comparator.comparing((List<Object> r) -> -(Long) r.get(2))
                        .thenComparing(r -> (String) r.get(0))
                        .thenComparing(r -> (String) r.get(1)));
        return new Figure(
                "stated_reasons",
                "Stated reasons of denials by frequency, per model version (reasons given to at least "
                        + minGroup
                        + " applicants)",
                "audit/decisions",
                true,
                sql.fill(ReportSql.STATED_REASONS),
                List.of("model_version", "stated_reason", "decisions"),
                rows);
    }

    private Figure cardStatus(ReportSql sql, Decisions d) {
        Map<List<Object>, Long> counts = new TreeMap<>(KEY_ORDER);
        for (Row r : d.current()) {
            counts.merge(
                    List.of(r.version, r.cardStatus == null ? "UNRECORDED" : r.cardStatus),
                    1L,
                    Long::sum);
        }
        List<List<Object>> rows = new ArrayList<>();
        counts.forEach((k, n) -> rows.add(List.of(k.get(0), k.get(1), n)));
        return new Figure(
                "card_status",
                "Decisions by model card status (NO_CARD: no registered card; MISSING_CERTIFICATION:"
                        + " a card without a required certification)",
                "audit/decisions",
                true,
                sql.fill(ReportSql.CARD_STATUS),
                List.of("model_version", "card_status", "decisions"),
                rows);
    }

    // ---- replays -----------------------------------------------------------------------------

    private List<ReplayResult> replays(Period p) throws IOException {
        List<ReplayResult> out = new ArrayList<>();
        for (FileStatus f : LakeFiles.parquetFiles(lake.resolve("replays"))) {
            LakeFiles.forEachRecord(
                    f,
                    ReplayResult.class,
                    r -> {
                        LocalDate day = r.getReplayedAt().atZone(ZoneOffset.UTC).toLocalDate();
                        if (p.tenant().equals(r.getTenantId())
                                && !day.isBefore(p.from())
                                && !day.isAfter(p.to())) {
                            out.add(r);
                        }
                    });
        }
        return out;
    }

    private Figure replayRuns(ReportSql sql, List<ReplayResult> replays, boolean present) {
        Map<String, long[]> byVersion = new TreeMap<>();
        Map<String, Set<String>> runs = new HashMap<>();
        for (ReplayResult r : replays) {
            long[] c = byVersion.computeIfAbsent(r.getStoredModelVersion(), k -> new long[4]);
            c[0]++;
            switch (r.getStatus()) {
                case "MATCH" -> c[1]++;
                case "DRIFT" -> c[2]++;
                case "ERROR" -> c[3]++;
                default -> {}
            }
            runs.computeIfAbsent(r.getStoredModelVersion(), k -> new HashSet<>()).add(r.getRunId());
        }
        List<List<Object>> rows = new ArrayList<>();
        byVersion.forEach(
                (v, c) ->
                        rows.add(
                                List.of(
                                        v,
                                        (long) runs.get(v).size(),
                                        c[0],
                                        c[1],
                                        c[2],
                                        c[3],
                                        (double) c[1] / c[0])));
        return new Figure(
                "replay_runs",
                "Replay runs in the period: match rate per model version",
                "replays",
                present,
                sql.fill(ReportSql.REPLAY_RUNS),
                List.of(
                        "stored_model_version",
                        "runs",
                        "replayed",
                        "matched",
                        "drifted",
                        "errors",
                        "match_rate"),
                rows);
    }

    private Figure worstDrifts(ReportSql sql, List<ReplayResult> replays, boolean present) {
        List<ReplayResult> drifts =
                new ArrayList<>(
                        replays.stream().filter(r -> "DRIFT".equals(r.getStatus())).toList());
        drifts.sort(
                Comparator.comparing(
                                (ReplayResult r) ->
                                        r.getConfidenceDelta() == null
                                                ? Double.NEGATIVE_INFINITY
                                                : Math.abs(r.getConfidenceDelta()),
                                Comparator.reverseOrder())
                        .thenComparing(ReplayResult::getRunId)
                        .thenComparing(ReplayResult::getEventId));
        List<List<Object>> rows = new ArrayList<>();
        for (ReplayResult r : drifts.subList(0, Math.min(10, drifts.size()))) {
            rows.add(
                    Arrays.asList(
                            r.getRunId(),
                            r.getEventId(),
                            r.getStoredModelVersion(),
                            r.getApprovedEqual(),
                            r.getConfidenceDelta(),
                            r.getReasoningSimilarity()));
        }
        return new Figure(
                "worst_drifts",
                "Replay: the ten largest drifts (by |confidence delta|)",
                "replays",
                present,
                sql.fill(ReportSql.WORST_DRIFTS),
                List.of(
                        "run_id",
                        "event_id",
                        "stored_model_version",
                        "approved_equal",
                        "confidence_delta",
                        "reasoning_similarity"),
                rows);
    }

    // ---- quarantine, late decisions ----------------------------------------------------------

    private Figure quarantine(ReportSql sql, Period p, Decisions d) throws IOException {
        Map<String, Long> byReason = new TreeMap<>();
        Path dir = lake.quarantine();
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            LocalDate date = partitionDate(f, "ingest_date");
            if (date == null || date.isBefore(p.from()) || date.isAfter(p.to())) {
                continue;
            }
            LakeFiles.forEachRecord(
                    f,
                    QuarantineRecord.getClassSchema(),
                    List.of("tenant_id", "reason_code"),
                    r -> {
                        if (p.tenant().equals(str(r, "tenant_id"))) {
                            byReason.merge(str(r, "reason_code"), 1L, Long::sum);
                        }
                    });
        }
        long quarantined = byReason.values().stream().mapToLong(Long::longValue).sum();
        List<List<Object>> rows = new ArrayList<>();
        byReason.forEach(
                (reason, n) ->
                        rows.add(
                                List.of(
                                        reason,
                                        n,
                                        (double) n / (d.acceptedIngestedInPeriod + quarantined))));
        rows.sort(
                Comparator.comparing((List<Object> r) -> -(Long) r.get(1))
                        .thenComparing(r -> (String) r.get(0)));
        return new Figure(
                "quarantine_by_reason",
                "Quarantined records by reason (rate: of all records read for the tenant in the"
                        + " period)",
                "quarantine",
                present(dir),
                sql.fill(ReportSql.QUARANTINE_BY_REASON),
                List.of("reason_code", "records", "rate"),
                rows);
    }

    private Figure lateDecisions(ReportSql sql, Period p) throws IOException {
        Map<List<Object>, Set<String>> late = new TreeMap<>(KEY_ORDER);
        Path dir = lake.lateDecisions();
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            LocalDate date = partitionDate(f, "window_date");
            if (date == null || date.isBefore(p.from()) || date.isAfter(p.to())) {
                continue;
            }
            LakeFiles.forEachRecord(
                    f,
                    LateDecision.class,
                    r -> {
                        if (p.tenant().equals(r.getTenantId())) {
                            late.computeIfAbsent(
                                            List.of(date, r.getModelVersion()),
                                            k -> new HashSet<>())
                                    .add(r.getEventId());
                        }
                    });
        }
        List<List<Object>> rows = new ArrayList<>();
        late.forEach((k, ids) -> rows.add(List.of(k.get(0), k.get(1), (long) ids.size())));
        return new Figure(
                "late_decisions",
                "Decisions too late for the live metrics (corrected by a metrics rebuild)",
                "metrics/late_decisions",
                present(dir),
                sql.fill(ReportSql.LATE_DECISIONS),
                List.of("window_date", "model_version", "late_decisions"),
                rows);
    }

    // ---- access ------------------------------------------------------------------------------

    private Figure access(ReportSql sql, Period p) throws IOException {
        List<AccessLogEntry> entries =
                new AccessLog(lake, clock)
                        .entries(p.from(), p.to(), e -> p.tenant().equals(e.getTenantId()));
        Map<List<Object>, Long> counts = new HashMap<>();
        for (AccessLogEntry e : entries) {
            counts.merge(
                    List.of(
                            e.getActorRole(),
                            e.getActor(),
                            e.getPurpose(),
                            e.getAction(),
                            e.getOutcome()),
                    1L,
                    Long::sum);
        }
        List<List<Object>> rows = new ArrayList<>();
        counts.forEach(
                (k, n) -> {
                    List<Object> r = new ArrayList<>(k);
                    r.add(n);
                    rows.add(r);
                });
        Comparator<List<Object>> order = Comparator.comparing(r -> -(Long) r.get(5));
        for (int i = 0; i < 5; i++) {
            int c = i;
            order = order.thenComparing(r -> (String) r.get(c));
        }
        rows.sort(order);
        return new Figure(
                "access",
                "Access to full records: by role, caller, purpose and outcome (REFUSED: the caller"
                        + " was not granted the tenant)",
                "access-log",
                present(lake.accessLog()),
                sql.fill(ReportSql.ACCESS),
                List.of("actor_role", "actor", "purpose", "action", "outcome", "accesses"),
                rows);
    }

    // ---- integrity ---------------------------------------------------------------------------

    private Figure heads(ReportSql sql, Period p, Map<Integer, Long> headSeq) throws IOException {
        Map<Integer, long[]> byShard = new TreeMap<>();
        Path dir = lake.chainHeads();
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            LocalDate date = partitionDate(f, "head_date");
            if (date == null) {
                continue;
            }
            LakeFiles.forEachRecord(
                    f,
                    ChainHead.class,
                    h -> {
                        if (!p.tenant().equals(h.getTenantId())) {
                            return;
                        }
                        headSeq.merge(h.getChainShard(), h.getChainSeq(), Math::max);
                        if (date.isAfter(p.to())) {
                            return;
                        }
                        long[] c = byShard.computeIfAbsent(h.getChainShard(), k -> new long[3]);
                        if (!date.isBefore(p.from())) {
                            c[0]++;
                            if (h.getSignature() != null) {
                                c[1]++;
                            }
                        }
                        c[2] = Math.max(c[2], h.getChainSeq());
                    });
        }
        List<List<Object>> rows = new ArrayList<>();
        byShard.forEach((s, c) -> rows.add(List.of(s, c[0], c[1], c[2])));
        return new Figure(
                "chain_heads",
                "Chain heads: published and signed in the period, latest position",
                "chain/heads",
                present(dir),
                sql.fill(ReportSql.HEADS),
                List.of("chain_shard", "heads_published", "signed_heads", "latest_head_seq"),
                rows);
    }

    private Figure coverage(ReportSql sql, Decisions d, Map<Integer, Long> headSeq) {
        long total = 0;
        long covered = 0;
        for (Row r : d.current()) {
            total++;
            Long head = r.shard == null ? null : headSeq.get(r.shard);
            if (head != null && r.seq != null && r.seq <= head) {
                covered++;
            }
        }
        return new Figure(
                "head_coverage",
                "Decisions of the period covered by a published chain head",
                "audit/decisions",
                true,
                sql.fill(ReportSql.COVERAGE),
                List.of("decisions", "covered_by_a_head"),
                List.of(List.of(total, covered)));
    }

    private Figure retention(ReportSql sql, Period p) throws IOException {
        Map<List<Object>, long[]> byRun = new TreeMap<>(KEY_ORDER);
        Path dir = lake.resolve(LakeLayout.RETENTION_SUMMARIES);
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            LakeFiles.forEachRecord(
                    f,
                    RetentionSummary.class,
                    s -> {
                        LocalDate day = s.getDeletedAt().atZone(ZoneOffset.UTC).toLocalDate();
                        if (p.tenant().equals(s.getTenantId())
                                && !day.isBefore(p.from())
                                && !day.isAfter(p.to())) {
                            long[] c =
                                    byRun.computeIfAbsent(
                                            List.of(
                                                    s.getRunId(),
                                                    LocalDate.parse(s.getEventDate())),
                                            k -> new long[2]);
                            c[0] += s.getRecords();
                            c[1] = Math.max(c[1], s.getHeldRecords());
                        }
                    });
        }
        List<List<Object>> rows = new ArrayList<>();
        byRun.forEach((k, c) -> rows.add(List.of(k.get(0), k.get(1), c[0], c[1])));
        return new Figure(
                "retention",
                "Retention runs in the period: records deleted and records kept under legal hold",
                "summaries/decisions",
                present(dir),
                sql.fill(ReportSql.RETENTION),
                List.of("run_id", "event_date", "records_deleted", "held_records"),
                rows);
    }

    private Figure requests(ReportSql sql, Caller caller, Period p, List<Check> checks)
            throws IOException {
        RequestLog log = new RequestLog(lake, clock);
        Path dir = log.tenantDir(p.tenant());
        boolean present = !LakeFiles.files(dir, ".json").isEmpty();
        Map<String, RequestEntry> latest = new HashMap<>();
        Instant end = p.to().plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        if (present) {
            for (RequestEntry e : log.entries(caller, p.tenant())) {
                if (Instant.parse(e.recordedAt()).isBefore(end)) {
                    latest.merge(e.requestId(), e, (a, b) -> a.seq() > b.seq() ? a : b);
                }
            }
            RequestLog.Verification v = log.verify(caller, p.tenant());
            checks.add(
                    new Check(
                            "request-log chain",
                            v.intact(),
                            v.entries()
                                    + " entries, "
                                    + (v.intact()
                                            ? "intact"
                                            : v.problems().size() + " problem(s)")));
        }
        Map<List<Object>, Long> counts = new TreeMap<>(KEY_ORDER);
        for (RequestEntry e : latest.values()) {
            counts.merge(List.of(e.kind().name(), e.state().name()), 1L, Long::sum);
        }
        List<List<Object>> rows = new ArrayList<>();
        counts.forEach((k, n) -> rows.add(List.of(k.get(0), k.get(1), n)));
        return new Figure(
                "requests",
                "Data-subject requests by kind and state at the end of the period",
                "rights/requests",
                present,
                sql.fill(ReportSql.REQUESTS),
                List.of("kind", "state", "requests"),
                rows);
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** Orders keys of strings, dates and numbers value by value, as SQL's ORDER BY does. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final Comparator<List<Object>> KEY_ORDER =
            (a, b) -> {
                for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
                    int c = ((Comparable) a.get(i)).compareTo(b.get(i));
                    if (c != 0) {
                        return c;
                    }
                }
                return Integer.compare(a.size(), b.size());
            };

    private static boolean present(Path dir) throws IOException {
        return !LakeFiles.parquetFiles(dir).isEmpty();
    }

    private static final Pattern PARTITION = Pattern.compile("/([a-z_]+)=([^/]+)(?=/)");

    private static String partitionValue(String path, String name) {
        Matcher m = PARTITION.matcher(path);
        String value = null;
        while (m.find()) {
            if (m.group(1).equals(name)) {
                value = m.group(2);
            }
        }
        return value;
    }

    private static LocalDate partitionDate(FileStatus f, String name) {
        String v = partitionValue(f.getPath().toString(), name);
        try {
            return v == null ? null : LocalDate.parse(v);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static String str(GenericRecord r, String field) {
        Object v = r.get(field);
        return v == null ? null : v.toString();
    }

    private static LocalDate day(long micros) {
        return LocalDate.ofEpochDay(Math.floorDiv(micros, 86_400_000_000L));
    }
}
