package io.decisionledger.compaction;

import static io.decisionledger.compaction.CompactedLake.compact;
import static io.decisionledger.compaction.CompactedLake.environment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.retention.LegalHolds;
import io.decisionledger.retention.RetentionPlanner;
import io.decisionledger.retention.RetentionPolicy;
import io.decisionledger.retention.RetentionSummaries;
import io.decisionledger.rewrite.PartitionResult;
import io.decisionledger.rewrite.SwapStep;
import io.decisionledger.schema.ChainAnchor;
import io.decisionledger.testing.DuckDbLake;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.Proves;
import io.decisionledger.testing.SmallFileLake;
import io.decisionledger.verify.VerifyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs CompactionJob with retention on a MiniCluster over a lake of small files whose dates span
 * more than seven years, with a per-tenant policy (credit_union_12 keeps 25 months, everyone else
 * the default seven years) and legal holds on one user, one case and one whole tenant. DuckDB, an
 * independent reader, checks that exactly the expired, unheld rows are gone from audit, ops and
 * quarantine, that the summaries count what went, that the archive holds it, and that the hash
 * chains still verify across the holes; then crashes the run at every step of the protocol. The
 * lake is written once and each test works on its own copy. (The dry run and the refused policy and
 * hold files, which need no cluster, are in {@link CompactionRunnerTest}.)
 */
class RetentionITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final LocalDate AS_OF = LocalDate.of(2026, 3, 20);

    /** Seven years before AS_OF: dates before it are past the default retention. */
    private static final String CUT_7Y = "2019-03-20";

    /** 25 months before AS_OF: credit_union_12's cut. */
    private static final String CUT_25M = "2024-02-20";

    private static final List<LocalDate> DATES =
            List.of(
                    LocalDate.of(2018, 5, 10),
                    LocalDate.of(2018, 11, 2),
                    LocalDate.of(2019, 2, 1),
                    LocalDate.of(2019, 6, 1),
                    LocalDate.of(2024, 1, 15),
                    AS_OF.minusDays(5),
                    AS_OF.minusDays(1));

    private static final String EXPIRED =
            "((tenant_id <> 'credit_union_12' AND event_date < '"
                    + CUT_7Y
                    + "') OR (tenant_id = 'credit_union_12' AND event_date < '"
                    + CUT_25M
                    + "'))";

    @TempDir static Path shared;

    /** The lake spanning eight years, written once; each test works on a copy. */
    private static Path pristine;

    private static Path policy;
    private static String heldUser;
    private static String heldCase;
    private static String held;

    /** What an uninterrupted run must leave, computed by DuckDB on the pristine lake. */
    private static Expected expected;

    @TempDir Path work;

    private Path lakeDir;
    private LakeLayout lake;
    private Path holds;

    @BeforeAll
    static void writeALakeSpanningEightYears() throws Exception {
        pristine = shared.resolve("pristine");
        SmallFileLake.write(LakeLayout.at(pristine.toUri().toString()), 1000, DATES, 100, 15, 11);
        String audit = DuckDbLake.table(pristine.resolve("audit/decisions"));
        heldUser =
                (String)
                        DuckDbLake.query(
                                        "SELECT user_id FROM "
                                                + audit
                                                + " WHERE tenant_id = 'bank_456' AND "
                                                + EXPIRED
                                                + " ORDER BY event_id LIMIT 1")
                                .get(0)
                                .get("user_id");
        heldCase =
                (String)
                        DuckDbLake.query(
                                        "SELECT case_id FROM "
                                                + audit
                                                + " WHERE tenant_id = 'credit_union_12' AND"
                                                + " case_id IS NOT NULL AND "
                                                + EXPIRED
                                                + " ORDER BY event_id LIMIT 1")
                                .get(0)
                                .get("case_id");
        held =
                "(tenant_id = 'insurer_789' OR (tenant_id = 'bank_456' AND user_id = '"
                        + heldUser
                        + "') OR (tenant_id = 'credit_union_12' AND case_id = '"
                        + heldCase
                        + "'))";
        policy = shared.resolve("retention-policy.json");
        Files.writeString(
                policy,
                "{\"version\": \"test-1\", \"default\": \"P7Y\","
                        + " \"tenants\": {\"credit_union_12\": \"P25M\"}}");
        expected = expected(pristine);
    }

    @BeforeEach
    void copyTheLakeAndPlaceHolds() throws Exception {
        lakeDir = work.resolve("lake");
        lake = LakeLayout.at(lakeDir.toUri().toString());
        CompactedLake.copy(pristine, lakeDir);
        holds = work.resolve("legal-holds.json");
        Files.writeString(
                holds,
                "{\"holds\": ["
                        + "{\"id\": \"LH-1\", \"tenant_id\": \"bank_456\", \"user_id\": \""
                        + heldUser
                        + "\", \"reason\": \"applicant appeal\", \"placed_by\": \"legal@bank\"},"
                        + "{\"id\": \"LH-2\", \"tenant_id\": \"credit_union_12\", \"case_id\": \""
                        + heldCase
                        + "\", \"reason\": \"regulator inquiry\", \"placed_by\": \"cco@cu\"},"
                        + "{\"id\": \"LH-3\", \"tenant_id\": \"insurer_789\","
                        + " \"reason\": \"class action\", \"placed_by\": \"gc@insurer\","
                        + " \"placed_at\": \"2026-01-05\"}]}");
    }

    @Test
    @Proves({"GDPR-Art-5-1-e", "EU-AI-Act-Art-19"})
    void deletesExactlyTheExpiredUnheldRowsAfterSummarisingAndArchivingThem() throws Exception {
        // given what DuckDB sees before, and what should go
        assertThat(expected.deleted).isGreaterThan(100);
        assertThat(expected.heldExpired).isGreaterThan(10); // insurer_789 plus the user and case
        Map<String, Object> quarantineKept = expected.quarantineKept;
        long quarantineDeleted = expected.quarantineDeleted;
        assertThat(quarantineDeleted).isPositive();
        Path archive = work.resolve("archive");

        // when compaction runs with retention and an archive
        CompactionReport report =
                compact(options("r1").with("archive", archive.toUri().toString()));

        // then DuckDB sees exactly the unexpired rows plus the held ones, in every dataset
        assertThat(CompactedLake.rowDigest(lakeDir.resolve("audit/decisions")))
                .isEqualTo(expected.auditKept);
        assertThat(CompactedLake.rowDigest(lakeDir.resolve("ops/decisions")))
                .isEqualTo(expected.opsKept);
        assertThat(CompactedLake.rowDigest(lakeDir.resolve("quarantine")))
                .isEqualTo(quarantineKept);
        assertThat(report.deletedRows())
                .isEqualTo(2 * expected.deleted + quarantineDeleted); // audit + ops + quarantine
        // each hold's kept decisions and quarantined inputs are reported by hold id, never by
        // the user or case it holds
        assertThat(report.holds())
                .extracting(CompactionReport.HoldCount::id, CompactionReport.HoldCount::scope)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("LH-1", "user"),
                        org.assertj.core.groups.Tuple.tuple("LH-2", "case"),
                        org.assertj.core.groups.Tuple.tuple("LH-3", "tenant"));
        String pristineAudit = DuckDbLake.table(pristine.resolve("audit/decisions"));
        String pristineQuarantine = DuckDbLake.table(pristine.resolve("quarantine"));
        assertThat(report.holds().get(0).kept())
                .isEqualTo(
                        count(
                                        pristineAudit,
                                        EXPIRED
                                                + " AND tenant_id = 'bank_456' AND user_id = '"
                                                + heldUser
                                                + "'")
                                + count(
                                        pristineQuarantine,
                                        "ingest_date < '"
                                                + CUT_7Y
                                                + "' AND coalesce(tenant_id, 'bank_456') ="
                                                + " 'bank_456' AND "
                                                + rawContains(heldUser)));
        assertThat(report.holds().get(2).kept())
                .isGreaterThanOrEqualTo(expected.insurerExpired)
                .isPositive();
        assertThat(report.unmatchedHolds()).isEmpty();
        assertThat(report.summary())
                .contains("HOLD LH-1 (user): ", "HOLD LH-3 (tenant): ")
                .doesNotContain(heldUser)
                .doesNotContain(heldCase);
        // expired partitions without held rows are gone, folders included
        assertThat(lakeDir.resolve("audit/decisions/tenant_id=bank_456/event_date=2018-05-10"))
                .satisfiesAnyOf(
                        p -> assertThat(p).doesNotExist(),
                        p ->
                                assertThat(
                                                count(
                                                        audit(),
                                                        "tenant_id = 'bank_456' AND event_date ="
                                                                + " '2018-05-10' AND user_id <> '"
                                                                + heldUser
                                                                + "'"))
                                        .isZero());
        assertThat(
                        count(
                                audit(),
                                EXPIRED
                                        + " AND tenant_id = 'credit_union_12' AND (case_id IS NULL"
                                        + " OR case_id <> '"
                                        + heldCase
                                        + "')"))
                .isZero();
        // every closed partition is one file below the target (held rows merged too)
        CompactedLake.filesByPartition(lakeDir.resolve("audit/decisions"))
                .forEach(
                        (partition, names) -> {
                            if (!partition.endsWith(AS_OF.minusDays(1).toString())) {
                                assertThat(names).as(partition).hasSize(1);
                            }
                        });

        // the summaries count exactly what was deleted, per tenant, date and model version
        List<Map<String, Object>> summaries =
                DuckDbLake.query(
                        "SELECT tenant_id, event_date, model_version, records, approved, denied,"
                                + " undecided, round(mean_confidence, 9) AS mc, first_chain_seq,"
                                + " first_hash, last_chain_seq, last_hash, deleted_event_ids_sha256,"
                                + " held_records, retention_period, policy_version FROM read_parquet('"
                                + lakeDir.resolve("summaries/decisions")
                                + "/**/*.parquet', hive_partitioning=false) ORDER BY 1, 2, 3");
        assertThat(summaries).isEqualTo(expected.summaries);
        assertThat(summaries.stream().mapToLong(r -> (Long) r.get("records")).sum())
                .isEqualTo(expected.deleted);

        // the archive holds every expired file as it was (held rows included)
        assertThat(count(DuckDbLake.table(archive.resolve("audit/decisions")), "true"))
                .isEqualTo(expected.deleted + expected.heldExpired - expected.insurerExpired);
        assertThat(count(DuckDbLake.table(archive.resolve("quarantine")), "true"))
                .isGreaterThanOrEqualTo(quarantineDeleted);

        // and the chains verify, bridging every deleted position with the anchors
        VerifyReport verify = verify();
        assertThat(verify.violations()).isEmpty();
        assertThat(verify.deletedByRetention()).isEqualTo(expected.deleted);
        assertThat(verify.records()).isEqualTo(expected.auditRowsKept);
        assertThat(CompactedLake.allFiles(lakeDir.resolve("_staging"))).isEmpty();

        // a second run deletes nothing and changes nothing
        List<String> everything = CompactedLake.allFiles(lakeDir);
        CompactionReport again = compact(options("r2"));
        assertThat(again.deletedRows()).isZero();
        assertThat(again.heldRows()).isPositive();
        assertThat(CompactedLake.allFiles(lakeDir)).isEqualTo(everything);

        // releasing the user hold deletes that user's rows next time, with a second summary
        Files.writeString(holds, "{\"holds\": []}");
        CompactionReport released = compact(options("r3"));
        assertThat(count(audit(), EXPIRED)).isZero();
        assertThat(released.deletedRows()).isPositive();
        assertThat(verify().violations()).isEmpty();
    }

    @Test
    void aHoldThatKeepsNothingIsAWarningAndWithStrictExitCode3() throws Exception {
        // given a hold whose user id is mistyped, next to one that matches
        Files.writeString(
                holds,
                "{\"holds\": [{\"id\": \"LH-1\", \"tenant_id\": \"bank_456\", \"user_id\": \""
                        + heldUser
                        + "\", \"reason\": \"appeal\", \"placed_by\": \"legal\"},"
                        + " {\"id\": \"LH-7\", \"tenant_id\": \"bank_456\", \"user_id\":"
                        + " \"usr-typo-0042\", \"reason\": \"appeal\", \"placed_by\": \"legal\"}]}");
        String[] args =
                io.decisionledger.options.OptionTable.args(
                                options("strict").with("strict", "true").options())
                        .toArray(new String[0]);

        // when the job runs with --strict
        io.decisionledger.options.Exit.Captured run =
                io.decisionledger.options.Exit.capture(() -> CompactionJob.main(args));

        // then the run is done (what is past retention and not held is deleted), the held user's
        // rows are still there, and the exit code says a hold matched nothing
        assertThat(run.code()).isEqualTo(CompactionJob.UNMATCHED_HOLD).isEqualTo(3);
        assertThat(
                        count(
                                audit(),
                                EXPIRED
                                        + " AND tenant_id = 'bank_456' AND user_id = '"
                                        + heldUser
                                        + "'"))
                .isPositive();
        assertThat(count(audit(), EXPIRED + " AND tenant_id = 'insurer_789'")).isZero();
        // and without --strict the same situation is a warning line in the report
        CompactionReport again = compact(options("warn"));
        assertThat(again.unmatchedHolds())
                .extracting(CompactionReport.HoldCount::id)
                .containsExactly("LH-7");
        assertThat(again.summary())
                .contains("WARNING HOLD LH-7 (user): kept no record past retention")
                .doesNotContain("usr-typo-0042");
    }

    @Test
    void aRunWithoutAHoldOptionIsRefusedAndDeletesNothing() throws Exception {
        // given the nightly command line without --legal-holds (on the old code: no holds at all)
        List<String> before = CompactedLake.allFiles(lakeDir);
        String[] forgot = {
            "--lake", lake.root(),
            "--as-of", AS_OF.toString(),
            "--run-id", "forgot",
            "--retention-policy", policy.toString()
        };

        // when the job is started, then it refuses with exit code 2 and the lake is unchanged
        io.decisionledger.options.Exit.Captured run =
                io.decisionledger.options.Exit.capture(() -> CompactionJob.main(forgot));
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("--legal-holds FILE, or --no-legal-holds");
        assertThat(CompactedLake.allFiles(lakeDir)).isEqualTo(before);
        assertThat(
                        count(
                                audit(),
                                EXPIRED
                                        + " AND tenant_id = 'bank_456' AND user_id = '"
                                        + heldUser
                                        + "'"))
                .isPositive();
    }

    @Test
    void aVerifierStillCatchesDeletionsWithoutSummariesAndForgedAnchors() throws Exception {
        compact(options("r1"));
        assertThat(verify().violations()).isEmpty();

        // a forged anchor (its last hash changed) no longer links to the record after it
        Path anchors = lakeDir.resolve("summaries/chain_anchors");
        Path anchorFile;
        try (var files = Files.walk(anchors)) {
            anchorFile =
                    files.filter(p -> p.toString().endsWith(".parquet"))
                            .filter(p -> p.toString().contains("bank_456"))
                            .sorted()
                            .findFirst()
                            .orElseThrow();
        }
        byte[] original = Files.readAllBytes(anchorFile);
        List<ChainAnchor> rows = new ArrayList<>();
        org.apache.flink.core.fs.Path flinkPath =
                org.apache.flink.core.fs.Path.fromLocalFile(anchorFile.toFile());
        LakeFiles.forEachRecord(
                flinkPath.getFileSystem().getFileStatus(flinkPath), ChainAnchor.class, rows::add);
        rows.get(0).setToHash("0".repeat(64));
        Files.delete(anchorFile);
        LakeFiles.writeParquet(flinkPath, rows);
        assertThat(verify().violationsByKind()).containsKey("BROKEN_LINK");

        // and with the anchor file gone, the deleted positions are a plain gap again
        Files.delete(anchorFile);
        assertThat(verify().violationsByKind()).containsKey("SEQ_GAP");
        Files.write(anchorFile, original);
        assertThat(verify().violations()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(SwapStep.class)
    void aRerunAfterACrashAtAnyStepEndsExactlyWhereAnUninterruptedRunEnds(SwapStep step)
            throws Exception {
        Path archive = work.resolve("archive");
        CompactionOptions crashing =
                options("crash")
                        .with("archive", archive.toUri().toString(), "fail-at", step.name());
        assertThatThrownBy(() -> compact(crashing))
                .hasStackTraceContaining("injected failure after swap step " + step);

        compact(options("rerun").with("archive", archive.toUri().toString()));

        assertThat(CompactedLake.rowDigest(lakeDir.resolve("audit/decisions")))
                .isEqualTo(expected.auditKept);
        assertThat(CompactedLake.rowDigest(lakeDir.resolve("ops/decisions")))
                .isEqualTo(expected.opsKept);
        assertThat(
                        DuckDbLake.query(
                                "SELECT CAST(sum(records) AS BIGINT) AS n FROM read_parquet('"
                                        + lakeDir.resolve("summaries/decisions")
                                        + "/**/*.parquet', hive_partitioning=false)"))
                .containsExactly(Map.of("n", expected.deleted));
        assertThat(CompactedLake.allFiles(lakeDir.resolve("_staging"))).isEmpty();
        VerifyReport verify = verify();
        assertThat(verify.violations()).isEmpty();
        assertThat(verify.deletedByRetention()).isEqualTo(expected.deleted);
    }

    @Test
    void thePipelineRewritesEveryPlannedPartitionOnceMergesAndDeletionsAlike() throws Exception {
        // given the work a run plans: partitions past retention, then closed ones to merge
        CompactionOptions options = options("p1");
        CompactionPlanner planner = new CompactionPlanner(options);
        LegalHolds legalHolds = LegalHolds.load(holds.toString());
        RetentionPolicy retentionPolicy = options.retentionPolicy();
        RetentionPlanner.Plan retention =
                planner.retentionPlanner(retentionPolicy, legalHolds)
                        .plan(options.datasets(), null, System.out);
        List<PartitionWork> work =
                CompactionPipeline.inStartOrder(retention.tasks(), planner.plan(retention));
        assertThat(work.get(0)).isInstanceOf(PartitionWork.Retain.class);
        assertThat(work.get(work.size() - 1)).isInstanceOf(PartitionWork.Compact.class);

        // when the pipeline runs on it, from its source seam
        StreamExecutionEnvironment env = environment();
        List<PartitionResult> results = new ArrayList<>();
        JobExecutionResult job;
        try (var done =
                new CompactionPipeline(
                                CompactionPipeline.plannedWork(work),
                                PartitionCompactor.of(options),
                                CompactionRunner.retainer(options, retentionPolicy, legalHolds))
                        .build(env)
                        .collectAsync()) {
            job = env.execute("compaction pipeline");
            done.forEachRemaining(results::add);
        }

        // then each planned partition comes back once, deletions deleted and merges merged
        assertThat(results)
                .extracting(PartitionResult::partition)
                .containsExactlyInAnyOrderElementsOf(
                        work.stream()
                                .map(
                                        w ->
                                                w instanceof PartitionWork.Retain r
                                                        ? r.task().label()
                                                        : ((PartitionWork.Compact) w)
                                                                .task()
                                                                .partition())
                                .toList());
        assertThat(results)
                .filteredOn(PartitionResult::retention)
                .hasSize(retention.tasks().size())
                .extracting(PartitionResult::outcome)
                .containsOnly(PartitionResult.Outcome.DELETED);
        assertThat(results)
                .filteredOn(r -> !r.retention())
                .extracting(PartitionResult::outcome)
                .containsOnly(PartitionResult.Outcome.COMPACTED);
        assertThat(results.stream().mapToLong(PartitionResult::deleted).sum())
                .isEqualTo(2 * expected.deleted + expected.quarantineDeleted);
        // and the tasks counted what they did
        assertThat(job.<Long>getAccumulatorResult(CompactPartition.PARTITIONS_ACCUMULATOR))
                .isEqualTo(work.size());
        assertThat(job.<Long>getAccumulatorResult(CompactPartition.ROWS_ACCUMULATOR))
                .isEqualTo(results.stream().mapToLong(PartitionResult::rows).sum())
                .isPositive();
    }

    // ---------------------------------------------------------------------------------- helpers

    private VerifyReport verify() throws Exception {
        return CompactedLake.verify(lake, work.resolve("verify.json"));
    }

    /** What an uninterrupted run must leave, computed by DuckDB on the lake before it. */
    private record Expected(
            long deleted,
            long heldExpired,
            long insurerExpired,
            long auditRowsKept,
            Map<String, Object> auditKept,
            Map<String, Object> opsKept,
            List<Map<String, Object>> summaries,
            Map<String, Object> quarantineKept,
            long quarantineDeleted) {}

    private static Expected expected(Path root) {
        String audit = DuckDbLake.table(root.resolve("audit/decisions"));
        String quarantine = DuckDbLake.table(root.resolve("quarantine"));
        String keep = "(NOT " + EXPIRED + " OR " + held + ")";
        String gone = "(" + EXPIRED + " AND NOT " + held + ")";
        long deleted = count(audit, gone);
        long heldExpired = count(audit, EXPIRED + " AND " + held);
        long insurerExpired = count(audit, EXPIRED + " AND tenant_id = 'insurer_789'");
        Map<String, Object> auditKept = digestWhere(audit, keep);
        Map<String, Object> opsKept =
                digestWhere(
                        DuckDbLake.table(root.resolve("ops/decisions")),
                        "event_id IN (SELECT event_id FROM " + audit + " WHERE " + keep + ")");
        // held_records: rows of the same tenant and date kept under hold
        List<Map<String, Object>> summaries =
                DuckDbLake.query(
                        "WITH a AS (SELECT *, "
                                + held
                                + " AS h FROM "
                                + audit
                                + " WHERE "
                                + EXPIRED
                                + "), heldper AS (SELECT tenant_id, event_date, count(*) FILTER"
                                + " (WHERE h) AS hc FROM a GROUP BY 1, 2)"
                                + " SELECT a.tenant_id, CAST(a.event_date AS VARCHAR) AS event_date,"
                                + " model_version, count(*) AS records,"
                                + " count(*) FILTER (WHERE decision_approved) AS approved,"
                                + " count(*) FILTER (WHERE NOT decision_approved) AS denied,"
                                + " count(*) FILTER (WHERE decision_approved IS NULL) AS undecided,"
                                + " round(avg(decision_confidence), 9) AS mc,"
                                + " min(chain_seq) AS first_chain_seq,"
                                + " arg_min(hash, chain_seq) AS first_hash,"
                                + " max(chain_seq) AS last_chain_seq,"
                                + " arg_max(hash, chain_seq) AS last_hash,"
                                + " string_agg(event_id, '|' ORDER BY event_id) AS ids,"
                                + " any_value(hc) AS held_records,"
                                + " CASE WHEN a.tenant_id = 'credit_union_12' THEN 'P25M' ELSE"
                                + " 'P7Y' END AS retention_period, 'test-1' AS policy_version"
                                + " FROM a JOIN heldper USING (tenant_id, event_date)"
                                + " WHERE NOT h GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");
        List<Map<String, Object>> withDigests = new ArrayList<>();
        for (Map<String, Object> row : summaries) {
            Map<String, Object> r = new java.util.LinkedHashMap<>(row);
            List<String> ids = List.of(((String) r.remove("ids")).split("\\|"));
            r.put("deleted_event_ids_sha256", RetentionSummaries.idsDigest(ids));
            // in the order the summary query selects
            Map<String, Object> ordered = new java.util.LinkedHashMap<>();
            for (String k :
                    List.of(
                            "tenant_id",
                            "event_date",
                            "model_version",
                            "records",
                            "approved",
                            "denied",
                            "undecided",
                            "mc",
                            "first_chain_seq",
                            "first_hash",
                            "last_chain_seq",
                            "last_hash",
                            "deleted_event_ids_sha256",
                            "held_records",
                            "retention_period",
                            "policy_version")) {
                ordered.put(k, r.get(k));
            }
            withDigests.add(ordered);
        }
        return new Expected(
                deleted,
                heldExpired,
                insurerExpired,
                count(audit, keep),
                auditKept,
                opsKept,
                withDigests,
                digestWhere(quarantine, "NOT (" + quarantineExpired() + ")"),
                count(quarantine, quarantineExpired()));
    }

    private static String quarantineExpired() {
        return "((coalesce(tenant_id, '') <> 'credit_union_12' AND ingest_date < '"
                + CUT_7Y
                + "') OR (coalesce(tenant_id, '') = 'credit_union_12' AND ingest_date < '"
                + CUT_25M
                + "')) AND coalesce(tenant_id, '') <> 'insurer_789' AND NOT "
                + quarantineHeld();
    }

    /**
     * Quarantined input that may be a held user's, case's or tenant's: its raw bytes contain the
     * held id (compared byte-aligned in hex), for a row of the hold's tenant or of no readable
     * tenant.
     */
    private static String quarantineHeld() {
        return "((coalesce(tenant_id, 'bank_456') = 'bank_456' AND "
                + rawContains(heldUser)
                + ") OR (coalesce(tenant_id, 'credit_union_12') = 'credit_union_12' AND "
                + rawContains(heldCase)
                + ") OR (tenant_id IS NULL AND "
                + rawContains("insurer_789")
                + "))";
    }

    private static String rawContains(String text) {
        return "coalesce(regexp_matches(hex(raw), '^(..)*' || hex('" + text + "')), false)";
    }

    private static Map<String, Object> digestWhere(String table, String where) {
        return CompactedLake.rowDigestWhere(table, where);
    }

    private static long count(String table, String where) {
        return DuckDbLake.count("SELECT count(*) FROM " + table + " WHERE " + where);
    }

    private String audit() {
        return DuckDbLake.table(lakeDir.resolve("audit/decisions"));
    }

    private CompactionOptions options(String runId) {
        return CompactionOptions.parse(
                new String[] {
                    "--lake", lake.root(),
                    "--as-of", AS_OF.toString(),
                    "--run-id", runId,
                    "--retention-policy", policy.toString(),
                    "--legal-holds", holds.toString()
                });
    }
}
