package io.decisionledger.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.chain.ChainHasher;
import io.decisionledger.chain.RecordVerifier;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.decision.ErasedColumns;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.Fingerprints;
import io.decisionledger.rewrite.PartitionRewrite;
import io.decisionledger.rewrite.SwapStep;
import io.decisionledger.rights.ErasurePlan;
import io.decisionledger.rights.ErasureReceipt;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import io.decisionledger.testing.SmallFileLake;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The erasure of one plan without Flink: each partition task run by {@link PartitionErasure} as the
 * job's tasks run it, the receipt made by {@link ErasureRunner#receipt}. What must hold: the
 * subject's audit records hold markers and still verify (content and chain hash); their ops rows
 * are gone; quarantined raw input naming the subject is replaced; the archive's copies likewise;
 * every other row is bit-for-bit what it was; a plan naming somebody else's record changes nothing;
 * a run that dies at any swap step and runs again ends exactly where an uninterrupted one ends.
 */
class PartitionErasureTest {

    private static final List<LocalDate> DATES =
            List.of(LocalDate.of(2026, 3, 1), LocalDate.of(2026, 3, 2), LocalDate.of(2026, 3, 3));

    @TempDir java.nio.file.Path work;

    private LakeLayout lake;
    private LakeLayout archive;
    private String tenant;
    private String subject;
    private List<String> subjectEvents;
    private Map<String, String> subjectValues;

    @BeforeEach
    void aLakeWithASubjectInSeveralPartitions() throws IOException {
        lake = LakeLayout.at(work.resolve("lake").toUri().toString());
        archive = LakeLayout.at(work.resolve("archive").toUri().toString());
        SmallFileLake.write(lake, 400, DATES, 25, 7, 42);
        // the user with the most records in one tenant
        List<DecisionRecord> audit = readAll(lake.auditDecisions(), DecisionRecord.class);
        Map<String, List<DecisionRecord>> byUser =
                audit.stream()
                        .collect(Collectors.groupingBy(r -> r.getTenantId() + "|" + r.getUserId()));
        List<DecisionRecord> mine =
                byUser.values().stream().max((a, b) -> a.size() - b.size()).orElseThrow();
        tenant = mine.get(0).getTenantId();
        subject = mine.get(0).getUserId();
        subjectEvents = mine.stream().map(DecisionRecord::getEventId).sorted().toList();
        assertThat(mine.size()).isGreaterThanOrEqualTo(2);
        subjectValues = new HashMap<>();
        for (DecisionRecord r : mine) {
            subjectValues.put("prompt " + r.getEventId(), r.getPrompt());
            subjectValues.put("case " + r.getEventId(), r.getCaseId());
        }
        subjectValues.put("user", subject);
        // refused input naming the subject, with and without its tenant readable
        String raw =
                "{\"tenantId\":\"" + tenant + "\",\"userId\":\"" + subject + "\",\"prompt\":\"x";
        LakeFiles.writeParquet(
                lake.resolve(LakeLayout.QUARANTINE + "/ingest_date=2026-03-02/crafted.parquet"),
                List.of(
                        quarantined(raw, tenant, 1),
                        quarantined("{\"userId\":\"" + subject + "\"", null, 2),
                        quarantined("{\"userId\":\"" + subject + "_x\"}", null, 3)));
        // the archive holds a copy of one audit partition, as retention leaves it
        String partition = "tenant_id=" + tenant + "/event_date=" + DATES.get(0);
        java.nio.file.Path from =
                work.resolve("lake/" + LakeLayout.AUDIT_DECISIONS + "/" + partition);
        java.nio.file.Path to =
                work.resolve("archive/" + LakeLayout.AUDIT_DECISIONS + "/" + partition);
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (java.nio.file.Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    @Test
    void erasesTheSubjectEverywhereAndLeavesEveryOtherRowBitForBit() throws Exception {
        // given the rows as they were
        Map<String, byte[]> auditBefore = prints(Dataset.AUDIT, lake);
        Map<String, byte[]> opsBefore = prints(Dataset.OPS, lake);
        List<QuarantineRecord> quarantineBefore =
                readAll(lake.quarantine(), QuarantineRecord.class);
        String planFile = writePlan(subjectEvents);

        // when the plan is executed
        ErasureReceipt receipt = execute(planFile, null);

        // then the subject's audit records hold markers, keep their hashes and still verify
        Map<String, DecisionRecord> after =
                byId(readAll(lake.auditDecisions(), DecisionRecord.class));
        RecordVerifier verifier = new RecordVerifier();
        for (String id : subjectEvents) {
            DecisionRecord r = after.get(id);
            assertThat(r.getUserId()).isEqualTo(ErasedColumns.MARKER);
            assertThat(r.getPrompt()).isEqualTo(ErasedColumns.MARKER);
            assertThat(r.getCaseId()).isNull();
            assertThat(r.getFieldSalt()).isNull();
            assertThat(r.getErasureRequestId()).isEqualTo("DSR-7");
            assertThat(ErasedColumns.parse(r.getErasedColumnsJson()).keySet())
                    .containsExactlyInAnyOrderElementsOf(CanonicalContent.personalColumns());
            assertThat(verifier.verifyContent(r).contentOk()).isTrue();
            assertThat(verifier.chainHash(r.getPrevHash(), r)).isEqualTo(r.getHash());
        }
        // every other audit row is bit for bit what it was, and none is lost
        Map<String, byte[]> auditAfter = prints(Dataset.AUDIT, lake);
        assertThat(auditAfter.keySet()).isEqualTo(auditBefore.keySet());
        auditBefore.forEach(
                (id, print) -> {
                    if (!subjectEvents.contains(id)) {
                        assertThat(auditAfter.get(id)).as(id).isEqualTo(print);
                    }
                });
        // the subject's ops rows are gone, every other one is unchanged
        Map<String, byte[]> opsAfter = prints(Dataset.OPS, lake);
        Map<String, byte[]> opsExpected = new HashMap<>(opsBefore);
        subjectEvents.forEach(opsExpected::remove);
        assertThat(opsAfter.keySet()).isEqualTo(opsExpected.keySet());
        opsExpected.forEach((id, print) -> assertThat(opsAfter.get(id)).isEqualTo(print));
        // quarantined input naming the subject holds the marker; the look-alike id is kept
        List<QuarantineRecord> quarantineAfter = readAll(lake.quarantine(), QuarantineRecord.class);
        assertThat(quarantineAfter).hasSameSizeAs(quarantineBefore);
        Map<Long, String> rawByOffset =
                quarantineAfter.stream()
                        .filter(q -> q.getSourceTopic().equals("crafted"))
                        .collect(
                                Collectors.toMap(
                                        QuarantineRecord::getSourceOffset, q -> text(q.getRaw())));
        assertThat(rawByOffset)
                .containsEntry(1L, ErasedColumns.MARKER)
                .containsEntry(2L, ErasedColumns.MARKER)
                .containsEntry(3L, "{\"userId\":\"" + subject + "_x\"}");
        // the archive's copies are erased as well
        for (DecisionRecord r : readAll(archive.auditDecisions(), DecisionRecord.class)) {
            if (subjectEvents.contains(r.getEventId())) {
                assertThat(r.getUserId()).isEqualTo(ErasedColumns.MARKER);
                assertThat(verifier.verifyContent(r).contentOk()).isTrue();
            }
        }
        // no value of the subject is left in any column of any file of the lake or archive
        for (LakeLayout root : List.of(lake, archive)) {
            for (String value : everyString(root)) {
                subjectValues.forEach(
                        (what, v) -> {
                            if (v != null && !what.startsWith("case")) {
                                // word-bounded: the look-alike id user_N_x is somebody else
                                assertThat(value)
                                        .as(what)
                                        .doesNotContainPattern(
                                                java.util.regex.Pattern.quote(v)
                                                        + "(?![A-Za-z0-9_])");
                            }
                        });
            }
        }
        // the receipt accounts for every record and file
        assertThat(receipt.recordsErased()).isEqualTo(subjectEvents.size());
        assertThat(receipt.eventIds()).isEqualTo(subjectEvents);
        assertThat(receipt.warnings()).isEmpty();
        assertThat(receipt.fields())
                .contains("audit.user_id", "audit.prompt", "quarantine.raw", "ops.*");
        assertThat(receipt.files())
                .allSatisfy(
                        f -> {
                            assertThat(f.beforeSha256()).hasSize(64).isNotEqualTo(f.afterSha256());
                            assertThat(f.rowsErased()).isPositive();
                        });
        assertThat(receipt.files().stream().map(ErasureReceipt.RewrittenFile::dataset))
                .contains("audit", "ops", "quarantine", "archive:audit");
        for (ErasureReceipt.RewrittenFile f : receipt.files()) {
            LakeLayout root = f.dataset().startsWith("archive:") ? archive : lake;
            assertThat(exists(root.resolve(f.path()))).as(f.path()).isFalse();
            if (f.afterPath() != null) {
                assertThat(PlanFile.sha256(root.resolve(f.afterPath()))).isEqualTo(f.afterSha256());
            }
        }
        assertThat(new String(receipt.toJson(), StandardCharsets.UTF_8)).doesNotContain(subject);
    }

    @Test
    void aPlanNamingAnotherSubjectsRecordChangesNothing() throws Exception {
        DecisionRecord other =
                readAll(lake.auditDecisions(), DecisionRecord.class).stream()
                        .filter(r -> r.getTenantId().equals(tenant))
                        .filter(r -> !r.getUserId().equals(subject))
                        .findFirst()
                        .orElseThrow();
        List<String> ids = new ArrayList<>(subjectEvents);
        ids.add(other.getEventId());
        Map<String, byte[]> before = prints(Dataset.AUDIT, lake);

        assertThatThrownBy(() -> execute(writePlan(ids), null))
                .hasMessageContaining("names event " + other.getEventId())
                .hasMessageContaining("not the plan's subject")
                .hasMessageNotContaining(other.getUserId())
                .hasMessageNotContaining(subject);

        // the partition of the wrong record is untouched (others may be done: the run failed)
        Map<String, byte[]> after = prints(Dataset.AUDIT, lake);
        assertThat(after.get(other.getEventId())).isEqualTo(before.get(other.getEventId()));
    }

    @ParameterizedTest
    @EnumSource(
            value = SwapStep.class,
            names = {
                "STAGED",
                "VERIFIED",
                "MANIFEST_WRITTEN",
                "FIRST_PUBLISHED",
                "PUBLISHED",
                "FIRST_SOURCE_DELETED",
                "SOURCES_DELETED"
            })
    void aRunThatDiesAtAnyStepAndRunsAgainEndsAsAnUninterruptedOne(SwapStep step) throws Exception {
        Map<String, byte[]> auditBefore = prints(Dataset.AUDIT, lake);
        String planFile = writePlan(subjectEvents);

        // when the first attempt dies at the step, and the run is started again
        assertThatThrownBy(() -> execute(planFile, step))
                .isInstanceOf(PartitionRewrite.InjectedFailure.class);
        ErasureReceipt receipt = execute(planFile, null);

        // then nothing is lost or doubled, every subject record is erased and verifies
        List<DecisionRecord> after = readAll(lake.auditDecisions(), DecisionRecord.class);
        assertThat(after).hasSize(auditBefore.size());
        assertThat(byId(after).keySet()).isEqualTo(auditBefore.keySet());
        RecordVerifier verifier = new RecordVerifier();
        for (DecisionRecord r : after) {
            if (subjectEvents.contains(r.getEventId())) {
                assertThat(r.getUserId()).isEqualTo(ErasedColumns.MARKER);
                assertThat(verifier.verifyContent(r).contentOk()).isTrue();
            } else {
                assertThat(new Fingerprints(Dataset.AUDIT).of(r))
                        .isEqualTo(auditBefore.get(r.getEventId()));
            }
        }
        // and the receipt still counts the records and files the first attempt did
        assertThat(receipt.recordsErased()).isEqualTo(subjectEvents.size());
        assertThat(receipt.files().stream().filter(f -> f.dataset().equals("audit")).count())
                .isEqualTo(auditFilesOfSubject(auditBefore));
        assertThat(exists(lake.resolve(ErasureRunner.STAGING + "/erasure-DSR-7-1"))).isFalse();
    }

    @Test
    void aRestrictPlanRemovesOnlyTheSubjectsOpsRowsAndLeavesEveryOtherFileByteIdentical()
            throws Exception {
        // given the files and the ops rows as they were
        Map<String, String> auditFiles = fileDigests(lake.auditDecisions());
        Map<String, String> quarantineFiles = fileDigests(lake.quarantine());
        Map<String, String> archiveFiles = fileDigests(new Path(archive.root()));
        Map<String, byte[]> opsBefore = prints(Dataset.OPS, lake);
        assertThat(opsBefore.keySet()).containsAll(subjectEvents);
        String planFile = writePlan(subjectEvents, ErasurePlan.Scope.RESTRICT);

        // when the RESTRICT plan is executed
        ErasureReceipt receipt = execute(planFile, null);

        // then the subject's ops rows are gone and every other ops row is unchanged
        Map<String, byte[]> opsAfter = prints(Dataset.OPS, lake);
        Map<String, byte[]> opsExpected = new HashMap<>(opsBefore);
        subjectEvents.forEach(opsExpected::remove);
        assertThat(opsAfter.keySet()).isEqualTo(opsExpected.keySet());
        opsExpected.forEach((id, print) -> assertThat(opsAfter.get(id)).as(id).isEqualTo(print));
        // audit, quarantine (even input naming the subject) and archive: the same bytes
        assertThat(fileDigests(lake.auditDecisions())).isEqualTo(auditFiles);
        assertThat(fileDigests(lake.quarantine())).isEqualTo(quarantineFiles);
        assertThat(fileDigests(new Path(archive.root()))).isEqualTo(archiveFiles);
        // the receipt says what was done: ops rows removed, under the RESTRICT scope
        assertThat(receipt.scope()).isEqualTo(ErasurePlan.Scope.RESTRICT);
        assertThat(receipt.recordsErased()).isEqualTo(subjectEvents.size());
        assertThat(receipt.fields()).containsExactly("ops.*");
        assertThat(receipt.files()).isNotEmpty().allMatch(f -> f.dataset().equals("ops"));
        assertThat(
                        receipt.files().stream()
                                .mapToLong(ErasureReceipt.RewrittenFile::rowsErased)
                                .sum())
                .isEqualTo(subjectEvents.size());
        assertThat(receipt.warnings()).isEmpty();
        assertThat(new String(receipt.toJson(), StandardCharsets.UTF_8)).doesNotContain(subject);

        // a second RESTRICT plan over the same records finds no ops row left: nothing rewritten
        ErasureReceipt again = execute(planFile, null);
        assertThat(again.files()).isEmpty();
        assertThat(again.recordsErased()).isZero();
        assertThat(again.warnings())
                .singleElement()
                .asString()
                .startsWith(subjectEvents.size() + " event ids of the plan had no row in ops/");
        assertThat(fileDigests(lake.auditDecisions())).isEqualTo(auditFiles);
    }

    @ParameterizedTest
    @EnumSource(
            value = SwapStep.class,
            names = {"STAGED", "MANIFEST_WRITTEN", "FIRST_SOURCE_DELETED"})
    void aRestrictRunThatDiesAndRunsAgainRemovesEachOpsRowOnce(SwapStep step) throws Exception {
        Map<String, byte[]> opsBefore = prints(Dataset.OPS, lake);
        Map<String, String> auditFiles = fileDigests(lake.auditDecisions());
        String planFile = writePlan(subjectEvents, ErasurePlan.Scope.RESTRICT);

        assertThatThrownBy(() -> execute(planFile, step))
                .isInstanceOf(PartitionRewrite.InjectedFailure.class);
        ErasureReceipt receipt = execute(planFile, null);

        Map<String, byte[]> opsAfter = prints(Dataset.OPS, lake);
        assertThat(opsAfter).hasSize(opsBefore.size() - subjectEvents.size());
        assertThat(opsAfter.keySet()).doesNotContainAnyElementsOf(subjectEvents);
        assertThat(receipt.recordsErased()).isEqualTo(subjectEvents.size());
        assertThat(fileDigests(lake.auditDecisions())).isEqualTo(auditFiles);
    }

    @Test
    void layoutTwoRecordsAreErasedWithAWarningThatTheirDigestsAreUnsalted() throws Exception {
        // given a legacy tenant whose chain holds layout-2 records of the subject
        List<DecisionRecord> legacy = new ArrayList<>();
        String prev = ChainHasher.GENESIS;
        ChainHasher hasher = new ChainHasher();
        CanonicalContent content = new CanonicalContent();
        int seq = 0;
        for (DecisionRecord r : readAll(lake.auditDecisions(), DecisionRecord.class)) {
            if (!r.getTenantId().equals(tenant) || seq >= 5) {
                continue;
            }
            DecisionRecord l = DecisionRecord.newBuilder(r).build();
            l.setTenantId("legacy_bank");
            l.setEventId("legacy-" + seq);
            l.setUserId(seq < 2 ? subject : "someone_else");
            l.setRecordLayout(null);
            l.setFieldSalt(null);
            l.setContentSha256(content.sha256Hex(l));
            l.setChainSeq((long) ++seq);
            l.setPrevHash(prev);
            l.setHash(hasher.hash(prev, l));
            prev = l.getHash();
            legacy.add(l);
        }
        LakeFiles.writeParquet(
                lake.resolve(
                        LakeLayout.AUDIT_DECISIONS
                                + "/tenant_id=legacy_bank/event_date=2019-01-02/part-0.parquet"),
                legacy);
        tenant = "legacy_bank";

        ErasureReceipt receipt = execute(writePlan(List.of("legacy-0", "legacy-1")), null);

        // then the values are gone and the records verify, with the kept digest unsalted
        RecordVerifier verifier = new RecordVerifier();
        for (DecisionRecord r :
                readAll(
                        lake.resolve(LakeLayout.AUDIT_DECISIONS + "/tenant_id=legacy_bank"),
                        DecisionRecord.class)) {
            assertThat(verifier.verifyContent(r).contentOk()).as(r.getEventId()).isTrue();
            if (r.getEventId().equals("legacy-0")) {
                assertThat(r.getUserId()).isEqualTo(ErasedColumns.MARKER);
                // the kept commitment of user_id is the unsalted digest: that is the warning
                assertThat(ErasedColumns.parse(r.getErasedColumnsJson()).get("user_id"))
                        .isEqualTo(
                                HexFormat.of()
                                        .formatHex(
                                                content.commitment(
                                                        legacy.get(0),
                                                        CanonicalContent.position("user_id"),
                                                        false,
                                                        null)));
            }
        }
        assertThat(receipt.recordsErased()).isEqualTo(2);
        assertThat(receipt.warnings())
                .singleElement()
                .asString()
                .startsWith("2 records were written under layout 2")
                .contains("unsalted");
    }

    // --- helpers

    /** Runs every task of the plan as the job would (no Flink), then makes the receipt. */
    private ErasureReceipt execute(String planFile, SwapStep failAt) throws Exception {
        ErasureOptions options =
                ErasureOptions.parse(
                        "--lake",
                        lake.root(),
                        "--archive",
                        archive.root(),
                        "--plan",
                        planFile,
                        "--operator",
                        "dpo@bank");
        ErasureRunner runner = new ErasureRunner(options);
        PlanFile plan = PlanFile.load(planFile);
        String runId = ErasureRunner.runId(plan.plan());
        Path runStaging = lake.resolve(ErasureRunner.STAGING + "/" + runId);
        runner.recoverEarlierRuns(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        PartitionErasure erasure =
                new PartitionErasure(
                        planFile,
                        plan.sha256(),
                        Instant.parse("2026-12-05T07:00:00Z"),
                        runStaging.toString(),
                        ParquetSettings.defaults(),
                        failAt);
        Set<String> already = new TreeSet<>();
        for (ErasureTask task : runner.plan(plan.plan(), runId, runStaging)) {
            already.addAll(erasure.erase(task).alreadyErased());
        }
        ErasureReceipt receipt =
                ErasureRunner.receipt(
                        plan,
                        ErasureRunner.doneFiles(runStaging),
                        already,
                        "2026-12-05T07:00:00Z",
                        "2026-12-05T07:00:01Z",
                        "dpo@bank");
        runStaging.getFileSystem().delete(runStaging, true);
        return receipt;
    }

    private String writePlan(List<String> ids) throws IOException {
        return writePlan(ids, ErasurePlan.Scope.ERASE);
    }

    private String writePlan(List<String> ids, ErasurePlan.Scope scope) throws IOException {
        ErasurePlan plan =
                new ErasurePlan(
                        "DSR-7",
                        1,
                        tenant,
                        ErasurePlan.SubjectType.USER,
                        subject,
                        ids,
                        "2026-12-05T06:00:00Z",
                        "evaluation",
                        scope);
        java.nio.file.Path f =
                work.resolve(
                        "lake/rights/plans/tenant_id=" + tenant + "/request_id=DSR-7/plan-1.json");
        Files.createDirectories(f.getParent());
        Files.write(f, plan.toJson());
        return f.toString();
    }

    private long auditFilesOfSubject(Map<String, byte[]> unused) throws IOException {
        long n = 0;
        for (FileStatus f : LakeFiles.parquetFiles(lake.auditDecisions())) {
            // after the run, only rewritten files hold erased subject rows
            List<DecisionRecord> rows = new ArrayList<>();
            LakeFiles.forEachRecord(f, DecisionRecord.class, rows::add);
            if (rows.stream().anyMatch(r -> subjectEvents.contains(r.getEventId()))) {
                n++;
            }
        }
        return n;
    }

    private static QuarantineRecord quarantined(String raw, String tenant, long offset) {
        byte[] bytes = raw.getBytes(StandardCharsets.UTF_8);
        return QuarantineRecord.newBuilder()
                .setReasonCode("MALFORMED_JSON")
                .setDetail("not valid JSON")
                .setRaw(ByteBuffer.wrap(bytes))
                .setRawSize(bytes.length)
                .setTenantId(tenant)
                .setEventId(null)
                .setSourceTopic("crafted")
                .setSourcePartition(0)
                .setSourceOffset(offset)
                .setSourceTimestamp(null)
                .setIngestTime(Instant.parse("2026-03-02T10:00:00Z"))
                .build();
    }

    private static String text(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return new String(out, StandardCharsets.UTF_8);
    }

    private static <T extends SpecificRecordBase> List<T> readAll(Path dir, Class<T> type)
            throws IOException {
        List<T> out = new ArrayList<>();
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            LakeFiles.forEachRecord(f, type, out::add);
        }
        return out;
    }

    private static Map<String, DecisionRecord> byId(List<DecisionRecord> rows) {
        return rows.stream()
                .collect(Collectors.toMap(DecisionRecord::getEventId, Function.identity()));
    }

    private static Map<String, byte[]> prints(Dataset dataset, LakeLayout lake) throws IOException {
        Fingerprints prints = new Fingerprints(dataset);
        Map<String, byte[]> out = new HashMap<>();
        Path dir = lake.resolve(dataset.directory());
        List<SpecificRecordBase> rows = new ArrayList<>();
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            LakeFiles.forEachRecord(f, dataset.recordClass(), rows::add);
        }
        for (SpecificRecordBase r : rows) {
            if (out.put(dataset.eventId(r), prints.of(r)) != null) {
                throw new IllegalStateException("row twice: " + dataset.eventId(r));
            }
        }
        return out;
    }

    /** Every string (and bytes as UTF-8) value of every row of every Parquet file under a root. */
    private static List<String> everyString(LakeLayout root) throws IOException {
        List<String> out = new ArrayList<>();
        for (FileStatus f : LakeFiles.parquetFiles(new Path(root.root()))) {
            LakeFiles.forEachRecord(f, (GenericRecord r) -> out.add(r.toString()));
        }
        return out;
    }

    /** SHA-256 of every Parquet file under a folder, by path. */
    private static Map<String, String> fileDigests(Path dir) throws IOException {
        Map<String, String> out = new java.util.TreeMap<>();
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            out.put(f.getPath().toString(), PlanFile.sha256(f.getPath()));
        }
        assertThat(out).as("files under " + dir).isNotEmpty();
        return out;
    }

    private static boolean exists(Path p) throws IOException {
        return p.getFileSystem().exists(p);
    }
}
