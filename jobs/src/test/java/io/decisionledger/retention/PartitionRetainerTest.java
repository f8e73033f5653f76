package io.decisionledger.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.MergedFileWriter;
import io.decisionledger.rewrite.PartitionResult;
import io.decisionledger.rewrite.PartitionRewrite;
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.rewrite.SwapManifest;
import io.decisionledger.rewrite.SwapStep;
import io.decisionledger.schema.ChainAnchor;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import io.decisionledger.schema.RetentionSummary;
import io.decisionledger.testing.SmallFileLake;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The retainer on one partition past retention, without Flink: which rows it keeps (user and case
 * holds in audit, with their masked ops copies; in quarantine rows whose tenant keeps longer or is
 * held), what it leaves behind (summaries and chain anchors of exactly the deleted rows, archive
 * copies, the kept rows in one merged file), what its manifest commits to, and that a task
 * restarted after dying at any step ends exactly where an uninterrupted one ends.
 */
class PartitionRetainerTest {

    private static final LocalDate AS_OF = LocalDate.of(2026, 3, 20);
    private static final LocalDate EXPIRED = LocalDate.of(2018, 5, 10);
    private static final String BANK = "bank_456";
    private static final String BANK_PARTITION = "tenant_id=" + BANK + "/event_date=" + EXPIRED;

    @TempDir java.nio.file.Path work;

    private LakeLayout lake;
    private String archive;
    private RetentionPolicy policy;
    private String holdsFile;
    private LegalHolds holds;
    private String heldUser;
    private String heldCase;

    @BeforeEach
    void aLakeWithAnExpiredDateAndHolds() throws IOException {
        lake = LakeLayout.at(work.resolve("lake").toUri().toString());
        archive = work.resolve("archive").toUri().toString();
        SmallFileLake.write(lake, 240, List.of(EXPIRED, AS_OF.minusDays(5)), 20, 5, 21);
        java.nio.file.Path policyFile = work.resolve("policy.json");
        Files.writeString(
                policyFile,
                "{\"version\": \"t-1\", \"default\": \"P7Y\","
                        + " \"tenants\": {\"insurer_789\": \"P10Y\"}}");
        policy = RetentionPolicy.load(policyFile.toString());
        List<DecisionRecord> bank = read(Dataset.AUDIT, BANK_PARTITION, DecisionRecord.class);
        bank.sort(java.util.Comparator.comparing(DecisionRecord::getEventId));
        heldUser = bank.get(0).getUserId();
        heldCase = bank.get(bank.size() - 1).getCaseId();
        writeHolds(
                "{\"id\": \"LH-1\", \"tenant_id\": \"bank_456\", \"user_id\": \""
                        + heldUser
                        + "\", \"reason\": \"appeal\", \"placed_by\": \"legal\"},"
                        + "{\"id\": \"LH-2\", \"tenant_id\": \"bank_456\", \"case_id\": \""
                        + heldCase
                        + "\", \"reason\": \"inquiry\", \"placed_by\": \"cco\"},"
                        + "{\"id\": \"LH-3\", \"tenant_id\": \"credit_union_12\","
                        + " \"reason\": \"class action\", \"placed_by\": \"gc\"}");
    }

    @Test
    void deletesTheUnheldRowsOfATenantAndDateAfterSummarisingAndArchivingThem() throws Exception {
        // given the audit and ops partitions of a tenant and date past retention
        RetentionTask task = bankTask("r1");
        List<DecisionRecord> audit = read(Dataset.AUDIT, BANK_PARTITION, DecisionRecord.class);
        Set<String> heldIds = heldIds(audit);
        List<DecisionRecord> deleted =
                audit.stream().filter(r -> !heldIds.contains(r.getEventId())).toList();
        assertThat(heldIds).hasSizeBetween(2, audit.size() - 10);
        Map<String, Long> sourceBytes = bytesOf(task);

        // when it is retained
        PartitionResult result = retainer(null).retain(task);

        // then exactly the held rows are left, audit and their masked ops copies, in one file each
        assertThat(result.outcome()).isEqualTo(PartitionResult.Outcome.DELETED);
        assertThat(result.deleted()).isEqualTo(2L * deleted.size());
        assertThat(result.held()).isEqualTo(2L * heldIds.size());
        assertThat(result.retention()).isTrue();
        assertThat(eventIds(Dataset.AUDIT, BANK_PARTITION)).isEqualTo(heldIds);
        assertThat(eventIds(Dataset.OPS, BANK_PARTITION)).isEqualTo(heldIds);
        assertThat(fileNames(Dataset.AUDIT, BANK_PARTITION))
                .containsExactly("compacted-r1-0.parquet");
        assertThat(fileNames(Dataset.OPS, BANK_PARTITION))
                .containsExactly("compacted-r1-0.parquet");
        // the summaries count every deleted decision once, with the held ones alongside
        List<RetentionSummary> summaries =
                readAll(
                        lake.resolve(LakeLayout.RETENTION_SUMMARIES + "/" + BANK_PARTITION),
                        RetentionSummary.class);
        assertThat(summaries.stream().mapToLong(RetentionSummary::getRecords).sum())
                .isEqualTo(deleted.size());
        assertThat(summaries)
                .allSatisfy(
                        s -> {
                            assertThat(s.getHeldRecords()).isEqualTo(heldIds.size());
                            assertThat(s.getRetentionPeriod()).isEqualTo("P7Y");
                            assertThat(s.getPolicyVersion()).isEqualTo("t-1");
                            assertThat(s.getRunId()).isEqualTo("r1");
                        });
        assertThat(
                        summaries.stream()
                                .map(RetentionSummary::getDeletedEventIdsSha256)
                                .collect(Collectors.toSet()))
                .isEqualTo(digestsPerModelVersion(deleted));
        // the anchors cover exactly the deleted chain positions, each run linking
        List<ChainAnchor> anchors =
                readAll(
                        lake.resolve(LakeLayout.CHAIN_ANCHORS + "/" + BANK_PARTITION),
                        ChainAnchor.class);
        Set<Long> anchored = new TreeSet<>();
        Map<Long, DecisionRecord> bySeq = new HashMap<>();
        audit.forEach(r -> bySeq.put(r.getChainSeq(), r));
        for (ChainAnchor a : anchors) {
            for (long s = a.getFromSeq(); s <= a.getToSeq(); s++) {
                anchored.add(s);
            }
            assertThat(a.getFromPrevHash()).isEqualTo(bySeq.get(a.getFromSeq()).getPrevHash());
            assertThat(a.getToHash()).isEqualTo(bySeq.get(a.getToSeq()).getHash());
        }
        assertThat(anchored)
                .isEqualTo(
                        deleted.stream()
                                .map(DecisionRecord::getChainSeq)
                                .collect(Collectors.toCollection(TreeSet::new)));
        // every source file is in the archive as it was, and staging is empty
        assertThat(archived()).isEqualTo(sourceBytes);
        assertThat(exists(new Path(task.stagingDir()))).isFalse();
    }

    @Test
    void signsTheSummariesAndAnchorsItWritesWithTheGivenKey() throws Exception {
        // given a retention run with a signing key
        java.security.KeyPair key =
                java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        java.nio.file.Path pem = work.resolve("retention.pem");
        Files.writeString(
                pem,
                "-----BEGIN PRIVATE KEY-----\n"
                        + java.util.Base64.getMimeEncoder()
                                .encodeToString(key.getPrivate().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n");
        io.decisionledger.chain.TrustedKeys trusted =
                io.decisionledger.chain.TrustedKeys.parse(
                        io.decisionledger.chain.TrustedKeys.line("ret-1", key.getPublic()), "test");

        // when it deletes a partition
        retainer(null)
                .signedWith(new io.decisionledger.chain.PemFileSigningKey(pem.toString(), "ret-1"))
                .retain(bankTask("r1"));

        // then every summary and anchor it wrote carries a signature the public key verifies
        List<RetentionSummary> summaries =
                readAll(
                        lake.resolve(LakeLayout.RETENTION_SUMMARIES + "/" + BANK_PARTITION),
                        RetentionSummary.class);
        List<ChainAnchor> anchors =
                readAll(
                        lake.resolve(LakeLayout.CHAIN_ANCHORS + "/" + BANK_PARTITION),
                        ChainAnchor.class);
        assertThat(summaries).isNotEmpty();
        assertThat(anchors).isNotEmpty();
        assertThat(summaries)
                .allSatisfy(
                        s -> {
                            assertThat(s.getSignatureKeyId()).isEqualTo("ret-1");
                            assertThat(trusted.check(s).valid()).isTrue();
                        });
        assertThat(anchors).allSatisfy(a -> assertThat(trusted.check(a).valid()).isTrue());
        // and a changed count no longer verifies
        RetentionSummary changed = RetentionSummary.newBuilder(summaries.get(0)).build();
        changed.setRecords(changed.getRecords() + 1);
        assertThat(trusted.check(changed).status())
                .isEqualTo(io.decisionledger.chain.TrustedKeys.Status.BAD);
    }

    @Test
    void judgesQuarantinedRowsOneByOneKeepingLongerPeriodsAndHeldTenants() throws Exception {
        RetentionTask task =
                planner("q1").plan(Set.of(Dataset.QUARANTINE), null, quiet()).tasks().get(0);
        String partition = task.label();
        List<QuarantineRecord> before = read(Dataset.QUARANTINE, partition, QuarantineRecord.class);
        Set<String> keptKeys =
                before.stream()
                        .filter(
                                q ->
                                        "insurer_789".equals(q.getTenantId())
                                                || "credit_union_12".equals(q.getTenantId()))
                        .map(PartitionRetainerTest::key)
                        .collect(Collectors.toSet());
        assertThat(keptKeys).isNotEmpty().hasSizeLessThan(before.size());

        PartitionResult result = retainer(null).retain(task);

        assertThat(result.outcome()).isEqualTo(PartitionResult.Outcome.DELETED);
        assertThat(result.deleted()).isEqualTo(before.size() - keptKeys.size());
        assertThat(result.held()).isEqualTo(keptKeys.size());
        assertThat(
                        read(Dataset.QUARANTINE, partition, QuarantineRecord.class).stream()
                                .map(PartitionRetainerTest::key)
                                .collect(Collectors.toSet()))
                .isEqualTo(keptKeys);
        // quarantine has no decisions to summarise
        assertThat(exists(lake.resolve(LakeLayout.RETENTION_SUMMARIES))).isFalse();
    }

    @Test
    void quarantinedRawInputOfAHeldUserOrCaseIsKept() throws Exception {
        // given, in a quarantine date past retention, refused input naming a held user or case
        String partition = "ingest_date=" + EXPIRED;
        LakeFiles.writeParquet(
                lake.resolve(Dataset.QUARANTINE.directory() + "/" + partition + "/crafted.parquet"),
                List.of(
                        quarantined(
                                1, BANK, "{\"tenantId\": \"bank_456\", \"userId\": \"" + heldUser),
                        quarantined(2, null, "{\"caseId\": \"" + heldCase + "\", \"tenantId\": 4"),
                        quarantined(3, BANK, "{\"tenantId\": \"bank_456\", \"userId\": \"nobody"),
                        quarantined(4, null, "{\"tenantId\": \"credit_union_12\", \"us"),
                        quarantined(5, null, "not a decision at all")));
        RetentionTask task =
                planner("qh").plan(Set.of(Dataset.QUARANTINE), null, quiet()).tasks().stream()
                        .filter(t -> t.label().equals(partition))
                        .findFirst()
                        .orElseThrow();

        // when it is retained
        PartitionResult result = retainer(null).retain(task);

        // then the rows whose raw bytes may be a held user's, case's or tenant's stay
        Set<Long> left =
                read(Dataset.QUARANTINE, partition, QuarantineRecord.class).stream()
                        .filter(q -> q.getSourceTopic().equals("crafted"))
                        .map(QuarantineRecord::getSourceOffset)
                        .collect(Collectors.toCollection(TreeSet::new));
        assertThat(left).containsExactly(1L, 2L, 4L);
        assertThat(result.heldByHold()).containsEntry("LH-1", 1L).containsEntry("LH-2", 1L);
        assertThat(result.heldByHold().get("LH-3")).isGreaterThanOrEqualTo(1L);
    }

    @Test
    void opsRowsWithoutTheirAuditRowsAreAllKeptWhenTheTenantHasUserOrCaseHolds() throws Exception {
        // given an ops-only task of the bank (its audit rows not read: --datasets ops, or the
        // audit files already gone), while the bank has a user and a case hold
        Set<String> heldIds = heldIds(read(Dataset.AUDIT, BANK_PARTITION, DecisionRecord.class));
        Set<String> ops = eventIds(Dataset.OPS, BANK_PARTITION);
        RetentionTask task =
                planner("opsonly").plan(Set.of(Dataset.OPS), BANK, quiet()).tasks().stream()
                        .filter(t -> t.label().equals(BANK_PARTITION))
                        .findFirst()
                        .orElseThrow();
        assertThat(task.parts())
                .extracting(RetentionTask.Part::dataset)
                .containsExactly(Dataset.OPS);

        // when it is retained
        PartitionResult result = retainer(null).retain(task);

        // then no masked copy of a held decision is deleted: which are held cannot be told, so
        // all stay
        assertThat(eventIds(Dataset.OPS, BANK_PARTITION)).containsAll(heldIds).isEqualTo(ops);
        assertThat(result.outcome()).isEqualTo(PartitionResult.Outcome.HELD);
        assertThat(result.deleted()).isZero();
    }

    @Test
    void theResultCountsTheRowsEachHoldKeptByHoldIdOnly() throws Exception {
        RetentionTask task = bankTask("counts");
        List<DecisionRecord> audit = read(Dataset.AUDIT, BANK_PARTITION, DecisionRecord.class);
        long byUser = audit.stream().filter(r -> heldUser.equals(r.getUserId())).count();
        long byCaseOnly =
                audit.stream()
                        .filter(r -> !heldUser.equals(r.getUserId()))
                        .filter(r -> heldCase.equals(r.getCaseId()))
                        .count();

        PartitionResult result = retainer(null).retain(task);

        assertThat(result.heldByHold())
                .containsOnly(Map.entry("LH-1", byUser), Map.entry("LH-2", byCaseOnly));
        assertThat(result.toString()).doesNotContain(heldUser).doesNotContain(heldCase);
    }

    @Test
    void anchorsTheQuarantineChainPositionsItDeletes() throws Exception {
        // given chained quarantine rows (shard 7): _none seq 1 (held), 2 (held), 3; bank_456 seq 1
        // (held), 2
        String partition = "ingest_date=" + EXPIRED;
        List<QuarantineRecord> rows =
                List.of(
                        quarantined(
                                1, BANK, "{\"tenantId\": \"bank_456\", \"userId\": \"" + heldUser),
                        quarantined(2, null, "{\"caseId\": \"" + heldCase + "\", \"tenantId\": 4"),
                        quarantined(3, BANK, "{\"tenantId\": \"bank_456\", \"userId\": \"nobody"),
                        quarantined(4, null, "{\"tenantId\": \"credit_union_12\", \"us"),
                        quarantined(5, null, "not a decision at all"));
        io.decisionledger.chain.QuarantineChainHasher hasher =
                new io.decisionledger.chain.QuarantineChainHasher();
        Map<String, QuarantineRecord> last = new java.util.HashMap<>();
        for (QuarantineRecord q : rows) {
            String chain =
                    io.decisionledger.chain.QuarantineChainHasher.chainTenant(q.getTenantId());
            QuarantineRecord before = last.get(chain);
            q.setChainShard(7); // chains of their own, apart from the lake's shard-0 chains
            q.setChainSeq(before == null ? 1L : before.getChainSeq() + 1);
            q.setPrevHash(before == null ? "0".repeat(64) : before.getHash());
            q.setHash(hasher.hash(q.getPrevHash(), q));
            last.put(chain, q);
        }
        LakeFiles.writeParquet(
                lake.resolve(Dataset.QUARANTINE.directory() + "/" + partition + "/crafted.parquet"),
                rows);
        RetentionTask task =
                planner("qa").plan(Set.of(Dataset.QUARANTINE), null, quiet()).tasks().stream()
                        .filter(t -> t.label().equals(partition))
                        .findFirst()
                        .orElseThrow();

        // when it is retained
        retainer(null).retain(task);

        // then each deleted run of each chain is anchored, linking the hashes around it
        List<io.decisionledger.schema.ChainAnchor> anchors =
                readAll(
                                lake.resolve(LakeLayout.QUARANTINE_ANCHORS + "/" + partition),
                                io.decisionledger.schema.ChainAnchor.class)
                        .stream()
                        .filter(a -> a.getChainShard() == 7)
                        .toList();
        assertThat(anchors)
                .extracting(
                        a ->
                                a.getTenantId()
                                        + "/"
                                        + a.getChainShard()
                                        + " "
                                        + a.getFromSeq()
                                        + ".."
                                        + a.getToSeq())
                .containsExactlyInAnyOrder("bank_456/7 2..2", "_none/7 3..3");
        io.decisionledger.schema.ChainAnchor bank =
                anchors.stream()
                        .filter(a -> a.getTenantId().equals(BANK))
                        .findFirst()
                        .orElseThrow();
        assertThat(bank.getFromPrevHash()).isEqualTo(rows.get(0).getHash());
        assertThat(bank.getToHash()).isEqualTo(rows.get(2).getHash());
        assertThat(bank.getEventDate()).isEqualTo(EXPIRED.toString());
        io.decisionledger.schema.ChainAnchor none =
                anchors.stream()
                        .filter(a -> a.getTenantId().equals("_none"))
                        .findFirst()
                        .orElseThrow();
        assertThat(none.getFromPrevHash()).isEqualTo(rows.get(3).getHash());
        assertThat(none.getToHash()).isEqualTo(rows.get(4).getHash());
    }

    private static QuarantineRecord quarantined(long offset, String tenant, String raw) {
        return QuarantineRecord.newBuilder()
                .setReasonCode("MALFORMED_JSON")
                .setDetail("truncated")
                .setRaw(java.nio.ByteBuffer.wrap(raw.getBytes(StandardCharsets.UTF_8)))
                .setRawSize(raw.length())
                .setTenantId(tenant)
                .setEventId(null)
                .setSourceTopic("crafted")
                .setSourcePartition(0)
                .setSourceOffset(offset)
                .setSourceTimestamp(null)
                .setIngestTime(EXPIRED.atStartOfDay(java.time.ZoneOffset.UTC).toInstant())
                .build();
    }

    @Test
    void aPartitionWhereEveryRowIsHeldIsLeftUntouched() throws Exception {
        writeHolds(
                "{\"id\": \"LH-9\", \"tenant_id\": \"bank_456\", \"reason\": \"r\","
                        + " \"placed_by\": \"p\"}");
        RetentionTask task = bankTaskIgnoringTenantHolds("held");
        List<String> before = fileNames(Dataset.AUDIT, BANK_PARTITION);
        long rows = read(Dataset.AUDIT, BANK_PARTITION, DecisionRecord.class).size();

        PartitionResult result = retainer(null).retain(task);

        assertThat(result.outcome()).isEqualTo(PartitionResult.Outcome.HELD);
        assertThat(result.deleted()).isZero();
        assertThat(result.held()).isEqualTo(2 * rows);
        assertThat(result.filesAfter()).isEqualTo(result.filesBefore());
        assertThat(fileNames(Dataset.AUDIT, BANK_PARTITION)).isEqualTo(before);
        assertThat(exists(lake.resolve(LakeLayout.RETENTION_SUMMARIES))).isFalse();
    }

    @Test
    void theManifestCommitsToArchivesOutputsSourcesAndCountsBeforeAnythingChanges()
            throws Exception {
        RetentionTask task = bankTask("m1");
        Set<String> heldIds = heldIds(read(Dataset.AUDIT, BANK_PARTITION, DecisionRecord.class));
        long auditRows = read(Dataset.AUDIT, BANK_PARTITION, DecisionRecord.class).size();

        assertThatThrownBy(() -> retainer(SwapStep.MANIFEST_WRITTEN).retain(task))
                .isInstanceOf(PartitionRewrite.InjectedFailure.class);

        RetentionManifest m =
                RetentionManifest.fromJson(
                        PartitionRewrite.readText(
                                new Path(task.stagingDir(), RetentionManifest.FILE_NAME)));
        List<PartitionTask.FileRef> sources =
                task.parts().stream().flatMap(p -> p.sources().stream()).toList();
        assertThat(m.runId()).isEqualTo("m1");
        assertThat(m.label()).isEqualTo(BANK_PARTITION);
        assertThat(m.sources()).isEqualTo(sources);
        assertThat(m.deleted()).isEqualTo(2 * (auditRows - heldIds.size()));
        assertThat(m.held()).isEqualTo(2L * heldIds.size());
        // each source copied as it is to the same place under the archive root
        assertThat(m.archives())
                .extracting(SwapManifest.Output::staged)
                .isEqualTo(sources.stream().map(PartitionTask.FileRef::path).toList());
        for (SwapManifest.Output a : m.archives()) {
            String relative = a.staged().substring(a.staged().indexOf("/lake/") + 6);
            assertThat(a.target()).isEqualTo(LakeLayout.at(archive).resolve(relative).toString());
        }
        // the summary, the anchors and one kept file per dataset, staged, with their targets
        assertThat(m.outputs())
                .extracting(o -> new Path(o.staged()).getName() + " -> " + relative(o.target()))
                .containsExactly(
                        "summary.parquet -> summaries/decisions/"
                                + BANK_PARTITION
                                + "/retention-m1.parquet",
                        "anchors.parquet -> summaries/chain_anchors/"
                                + BANK_PARTITION
                                + "/retention-m1.parquet",
                        "part-0.parquet -> audit/decisions/"
                                + BANK_PARTITION
                                + "/compacted-m1-0.parquet",
                        "part-0.parquet -> ops/decisions/"
                                + BANK_PARTITION
                                + "/compacted-m1-0.parquet");
        assertThat(m.outputs().get(2).rows()).isEqualTo(heldIds.size());
        assertThat(m.outputs()).allMatch(o -> exists(new Path(o.staged())));
        // and nothing in the lake has changed yet
        assertThat(sources).allMatch(s -> exists(new Path(s.path())));
        assertThat(exists(lake.resolve(LakeLayout.RETENTION_SUMMARIES))).isFalse();
        assertThat(exists(new Path(archive))).isFalse();
    }

    @ParameterizedTest
    @EnumSource(SwapStep.class)
    void aTaskRestartedAfterDyingAtAnyStepEndsWhereAnUninterruptedOneEnds(SwapStep step)
            throws Exception {
        // given a task, and the rows an uninterrupted run keeps
        RetentionTask task = bankTask("c1");
        List<DecisionRecord> audit = read(Dataset.AUDIT, BANK_PARTITION, DecisionRecord.class);
        Set<String> heldIds = heldIds(audit);
        Map<String, Long> sourceBytes = bytesOf(task);

        // when it dies at the step, and Flink runs it again
        assertThatThrownBy(() -> retainer(step).retain(task))
                .isInstanceOf(PartitionRewrite.InjectedFailure.class)
                .hasMessageContaining("after swap step " + step);
        PartitionResult result = retainer(null).retain(task);

        // then the partition holds the held rows once, summarised once, archived once
        assertThat(result.outcome())
                .isEqualTo(
                        step.compareTo(SwapStep.MANIFEST_WRITTEN) >= 0
                                ? PartitionResult.Outcome.ROLLED_FORWARD
                                : PartitionResult.Outcome.DELETED);
        assertThat(result.deleted()).isEqualTo(2L * (audit.size() - heldIds.size()));
        assertThat(eventIds(Dataset.AUDIT, BANK_PARTITION)).isEqualTo(heldIds);
        assertThat(eventIds(Dataset.OPS, BANK_PARTITION)).isEqualTo(heldIds);
        assertThat(fileNames(Dataset.AUDIT, BANK_PARTITION))
                .containsExactly("compacted-c1-0.parquet");
        assertThat(
                        readAll(
                                        lake.resolve(LakeLayout.RETENTION_SUMMARIES),
                                        RetentionSummary.class)
                                .stream()
                                .mapToLong(RetentionSummary::getRecords)
                                .sum())
                .isEqualTo(audit.size() - heldIds.size());
        assertThat(archived()).isEqualTo(sourceBytes);
        assertThat(exists(new Path(task.stagingDir()))).isFalse();
        // and a third attempt of the same planned task sees it is done and changes nothing
        List<String> files = fileNames(Dataset.AUDIT, BANK_PARTITION);
        assertThat(retainer(null).retain(task).outcome())
                .isEqualTo(PartitionResult.Outcome.ALREADY_DONE);
        assertThat(fileNames(Dataset.AUDIT, BANK_PARTITION)).isEqualTo(files);
    }

    @Test
    void theNextRunFinishesADeletionAnEarlierRunCommitted() throws Exception {
        RetentionTask task = bankTask("early");
        Set<String> heldIds = heldIds(read(Dataset.AUDIT, BANK_PARTITION, DecisionRecord.class));
        assertThatThrownBy(() -> retainer(SwapStep.FIRST_SOURCE_DELETED).retain(task))
                .isInstanceOf(PartitionRewrite.InjectedFailure.class);
        Path manifestFile = new Path(task.stagingDir(), RetentionManifest.FILE_NAME);
        RetentionManifest m = RetentionManifest.fromJson(PartitionRewrite.readText(manifestFile));

        PartitionResult r = retainer(null).rollForwardEarlierRun(m, manifestFile);

        assertThat(r.outcome()).isEqualTo(PartitionResult.Outcome.ROLLED_FORWARD);
        assertThat(r.partition()).isEqualTo(BANK_PARTITION);
        assertThat(r.deleted()).isEqualTo(m.deleted());
        assertThat(r.held()).isEqualTo(m.held());
        assertThat(r.filesBefore()).isEqualTo(m.sources().size());
        assertThat(eventIds(Dataset.AUDIT, BANK_PARTITION)).isEqualTo(heldIds);
        assertThat(exists(new Path(task.stagingDir()))).isFalse();
    }

    @Test
    void aHoldsFileChangedSinceThePlanFailsTheTaskBeforeAnythingIsDeleted() throws Exception {
        RetentionTask task = bankTask("changed");
        PartitionRetainer planned = retainer(null);
        Files.writeString(java.nio.file.Path.of(holdsFile), "{\"holds\": []}");
        List<String> before = fileNames(Dataset.AUDIT, BANK_PARTITION);

        assertThatThrownBy(() -> planned.retain(task))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("changed while the run was in progress");
        assertThat(fileNames(Dataset.AUDIT, BANK_PARTITION)).isEqualTo(before);
    }

    // ------------------------------------------------------------------------------ helpers

    private void writeHolds(String holdsJson) throws IOException {
        java.nio.file.Path file = work.resolve("holds.json");
        Files.writeString(file, "{\"holds\": [" + holdsJson + "]}");
        holdsFile = file.toString();
        holds = LegalHolds.load(holdsFile);
    }

    private PartitionRetainer retainer(SwapStep failAt) {
        return new PartitionRetainer(
                lake,
                policy,
                AS_OF,
                holdsFile,
                holds.sha256(),
                archive,
                new MergedFileWriter(ParquetSettings.defaults(), 256L * 1024 * 1024),
                failAt);
    }

    private RetentionPlanner planner(String runId) {
        return new RetentionPlanner(
                lake,
                new Path(work.resolve("staging").toUri().toString(), runId + "/retention"),
                runId,
                AS_OF,
                policy,
                holds);
    }

    private RetentionTask bankTask(String runId) throws IOException {
        return planner(runId)
                .plan(Set.of(Dataset.AUDIT, Dataset.OPS), BANK, quiet())
                .tasks()
                .stream()
                .filter(t -> t.label().equals(BANK_PARTITION))
                .findFirst()
                .orElseThrow();
    }

    /** The task of the bank's partition as if the planner had not seen the tenant hold. */
    private RetentionTask bankTaskIgnoringTenantHolds(String runId) throws IOException {
        return new RetentionPlanner(
                        lake,
                        new Path(work.resolve("staging").toUri().toString(), runId),
                        runId,
                        AS_OF,
                        policy,
                        LegalHolds.none())
                .plan(Set.of(Dataset.AUDIT, Dataset.OPS), BANK, quiet()).tasks().stream()
                        .filter(t -> t.label().equals(BANK_PARTITION))
                        .findFirst()
                        .orElseThrow();
    }

    private Set<String> heldIds(List<DecisionRecord> audit) {
        return audit.stream()
                .filter(r -> heldUser.equals(r.getUserId()) || heldCase.equals(r.getCaseId()))
                .map(DecisionRecord::getEventId)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The summaries' id digests: one per model version of the deleted rows (one chain shard). */
    private static Set<String> digestsPerModelVersion(List<DecisionRecord> deleted) {
        return deleted.stream()
                .collect(
                        Collectors.groupingBy(
                                r -> r.getModel() + "/" + r.getModelVersion(),
                                Collectors.mapping(
                                        DecisionRecord::getEventId, Collectors.toList())))
                .values()
                .stream()
                .map(RetentionSummaries::idsDigest)
                .collect(Collectors.toSet());
    }

    private static String key(QuarantineRecord q) {
        return q.getSourcePartition() + "@" + q.getSourceOffset();
    }

    private Set<String> eventIds(Dataset dataset, String partition) throws IOException {
        List<? extends SpecificRecordBase> rows = read(dataset, partition, dataset.recordClass());
        return rows.stream().map(dataset::eventId).collect(Collectors.toCollection(TreeSet::new));
    }

    private <T extends SpecificRecordBase> List<T> read(
            Dataset dataset, String partition, Class<T> type) throws IOException {
        return readAll(lake.resolve(dataset.directory() + "/" + partition), type);
    }

    private static <T extends SpecificRecordBase> List<T> readAll(Path dir, Class<T> type)
            throws IOException {
        List<T> rows = new ArrayList<>();
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            LakeFiles.forEachRecord(f, type, rows::add);
        }
        return rows;
    }

    private List<String> fileNames(Dataset dataset, String partition) throws IOException {
        return LakeFiles.parquetFiles(lake.resolve(dataset.directory() + "/" + partition)).stream()
                .map(f -> f.getPath().getName())
                .toList();
    }

    /** Relative path of every source file of the task and its size. */
    private Map<String, Long> bytesOf(RetentionTask task) {
        Map<String, Long> bytes = new HashMap<>();
        for (RetentionTask.Part part : task.parts()) {
            for (PartitionTask.FileRef f : part.sources()) {
                bytes.put(relative(f.path()), f.bytes());
            }
        }
        return bytes;
    }

    /** Relative path and size of every file in the archive. */
    private Map<String, Long> archived() throws IOException {
        Map<String, Long> bytes = new HashMap<>();
        for (FileStatus f : LakeFiles.parquetFiles(new Path(archive))) {
            String path = f.getPath().toString();
            bytes.put(path.substring(path.indexOf("/archive/") + 9), f.getLen());
        }
        return bytes;
    }

    private static String relative(String path) {
        return path.substring(path.indexOf("/lake/") + 6);
    }

    private static boolean exists(Path p) {
        try {
            return p.getFileSystem().exists(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
