package io.decisionledger.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessLogHasher;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rewrite.PartitionRewrite;
import io.decisionledger.rewrite.SwapStep;
import io.decisionledger.rights.ErasurePlan;
import io.decisionledger.schema.AccessLogEntry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access-log part of an erasure: which entries are about the subject, what erasing them leaves
 * (markers, kept commitments, an intact chain), a layout-1 entry in the same log, a crash after the
 * commit point, and an entry tampered with before the erasure.
 */
class AccessLogRewriteTest {

    static final String TENANT = "bank_456";
    static final String SUBJECT = "user_ingrid_4711";
    static final String REQUEST = "DSR-2026-0042";
    static final Instant NOW = Instant.parse("2026-04-01T10:00:00Z");
    static final Caller OFFICER = Caller.cli("a.officer", AuditRole.COMPLIANCE_OFFICER);

    @TempDir java.nio.file.Path work;

    @Test
    void erasesTheEntriesAboutTheSubjectAndTheChainStillVerifies() throws Exception {
        // given a log mixing layouts: entries about the subject (by query, by record, by purpose)
        // and entries about others
        LakeLayout lake = LakeLayout.at(work.resolve("lake").toUri().toString());
        writeLayoutOneEntry(lake, Map.of("tenant", TENANT, "user", SUBJECT), List.of());
        AccessLog log = new AccessLog(lake, Clock.fixed(NOW, ZoneOffset.UTC));
        read(log, "Complaint C-1", TENANT, List.of("evt-s-1"), Map.of("user", SUBJECT));
        read(log, "Dispute", TENANT, List.of("evt-s-2"), Map.of("event_id", "evt-s-2"));
        read(log, "Call from " + SUBJECT, TENANT, List.of(), Map.of("case", "loan_x"));
        read(log, "Complaint C-2", TENANT, List.of("evt-o-1"), Map.of("user", "user_other"));
        read(log, "Complaint C-3", "bank_789", List.of("evt-x"), Map.of("user", SUBJECT));
        ErasurePlan plan = plan(List.of("evt-s-1", "evt-s-2"));
        Path staging = new Path(work.resolve("staging").toUri().toString());

        // when the erasure dies right after committing its first swap, then runs again
        AccessLogRewrite crashing =
                new AccessLogRewrite(lake, plan, NOW, staging, SwapStep.MANIFEST_WRITTEN);
        assertThatThrownBy(() -> crashing.run(out()))
                .isInstanceOf(PartitionRewrite.InjectedFailure.class);
        assertThat(log.verify().problems()).isEmpty();
        assertThat(AccessLogRewrite.recover(staging, out())).isEqualTo(1);
        AccessLogRewrite.Result result =
                new AccessLogRewrite(lake, plan, NOW, staging, null).run(out());

        // then the four entries about the subject are erased (one by the recovery), the others not
        assertThat(result.entriesSearched()).isEqualTo(6);
        assertThat(result.files()).hasSize(3);
        List<AccessLogEntry> entries = log.entries(null, null, e -> true);
        assertThat(entries).hasSize(6);
        for (int i = 0; i < 4; i++) {
            AccessLogEntry e = entries.get(i);
            assertThat(e.getPurpose()).as("seq %d", e.getLogSeq()).isEqualTo("[ERASED]");
            assertThat(e.getQueryJson()).isEqualTo("[ERASED]");
            assertThat(e.getErasureRequestId()).isEqualTo(REQUEST);
            assertThat(e.getErasedAt()).isEqualTo(NOW);
            assertThat(e.getFieldSalt()).isNull();
            assertThat(AccessLogHasher.erased(e.getErasedColumnsJson()).keySet())
                    .containsExactly("purpose", "query_json");
        }
        assertThat(entries.get(0).getEntryLayout()).isNull();
        assertThat(entries.get(4).getQueryJson()).contains("user_other");
        assertThat(entries.get(5).getQueryJson()).contains(SUBJECT); // another tenant's subject
        assertThat(entries.subList(0, 4).toString()).doesNotContain(SUBJECT);
        // and the chain verifies, counting the erased entries under the request
        AccessLog.Verification v = log.verify();
        assertThat(v.problems()).isEmpty();
        assertThat(v.entries()).isEqualTo(6);
        assertThat(v.erasedByRequest()).isEqualTo(Map.of(REQUEST, 4L));
        assertThat(v.erasureNotes())
                .containsExactly("4 entries with erased fields under request " + REQUEST);
        // and the receipt's files name the layout-1 entry's unsalted digest
        List<ErasedFile> done = ErasureRunner.doneFiles(staging);
        assertThat(done).hasSize(4);
        assertThat(done).allMatch(f -> f.dataset().equals("access-log") && f.rowsErased() == 1);
        assertThat(done.stream().mapToLong(ErasedFile::layout2Records).sum()).isEqualTo(1);
        assertThat(done).allMatch(f -> !f.beforeSha256().equals(f.afterSha256()));
        io.decisionledger.rights.ErasureReceipt receipt =
                ErasureRunner.receipt(
                        new PlanFile(plan, "ab".repeat(32), "plan-1.json"),
                        done,
                        java.util.Set.of(),
                        NOW.toString(),
                        NOW.toString(),
                        "dpo@bank.example");
        assertThat(receipt.fields()).contains("access-log.purpose", "access-log.query_json");
        assertThat(receipt.files()).hasSize(4).allMatch(f -> f.dataset().equals("access-log"));
        assertThat(receipt.warnings())
                .anyMatch(
                        w ->
                                w.startsWith(
                                        "1 access-log entries were written under access-log"
                                                + " layout 1"));
        assertThat(new String(receipt.toJson(), StandardCharsets.UTF_8)).doesNotContain(SUBJECT);
        // and a new entry still chains after the erased ones
        read(log, "Later", TENANT, List.of(), Map.of("user", "user_other"));
        assertThat(log.verify().problems()).isEmpty();
        // and a second run finds nothing left to erase
        assertThat(new AccessLogRewrite(lake, plan, NOW, staging, null).run(out()).files())
                .isEmpty();
    }

    @Test
    void refusesToEraseAnEntryTamperedWithBefore() throws Exception {
        LakeLayout lake = LakeLayout.at(work.resolve("lake").toUri().toString());
        AccessLog log = new AccessLog(lake, Clock.fixed(NOW, ZoneOffset.UTC));
        read(log, "Complaint C-1", TENANT, List.of("evt-s-1"), Map.of("user", SUBJECT));
        // someone changes the entry's outcome in place
        org.apache.flink.core.fs.FileStatus f = AccessLogRewrite.entryFiles(lake).get(0);
        List<AccessLogEntry> rows = new ArrayList<>();
        LakeFiles.forEachRecord(f, AccessLogEntry.class, rows::add);
        rows.get(0).setOutcome("NONE_FOUND");
        f.getPath().getFileSystem().delete(f.getPath(), false);
        LakeFiles.writeParquet(f.getPath(), rows);

        Path staging = new Path(work.resolve("staging").toUri().toString());
        assertThatThrownBy(
                        () ->
                                new AccessLogRewrite(lake, plan(List.of()), NOW, staging, null)
                                        .run(out()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not verify before erasure")
                .hasMessageNotContaining(SUBJECT);
        List<AccessLogEntry> after = log.entries(null, null, e -> true);
        assertThat(after.get(0).getQueryJson()).contains(SUBJECT);
    }

    private static ErasurePlan plan(List<String> eventIds) {
        return new ErasurePlan(
                REQUEST,
                1,
                TENANT,
                ErasurePlan.SubjectType.USER,
                SUBJECT,
                eventIds,
                NOW.toString(),
                "rights-evaluation");
    }

    private static void read(
            AccessLog log,
            String purpose,
            String tenant,
            List<String> ids,
            Map<String, String> query)
            throws Exception {
        log.record(
                new AccessLog.Access(
                        OFFICER,
                        AccessLog.Action.HISTORY,
                        purpose,
                        AccessLog.DATASET_DECISIONS,
                        tenant,
                        ids,
                        query));
    }

    /** Entry 1 as a writer before access-log layout 2 wrote it (no salt, DLA1). */
    private static void writeLayoutOneEntry(
            LakeLayout lake, Map<String, String> query, List<String> ids) throws Exception {
        String id = UUID.randomUUID().toString();
        AccessLogEntry e =
                AccessLogEntry.newBuilder()
                        .setAccessId(id)
                        .setAccessTime(NOW.minusSeconds(60))
                        .setActor("a.officer")
                        .setActorRole("compliance_officer")
                        .setChannel("CLI")
                        .setAction("HISTORY")
                        .setPurpose("Complaint C-0")
                        .setDataset(AccessLog.DATASET_DECISIONS)
                        .setTenantId(TENANT)
                        .setRecordIds(ids)
                        .setQueryJson(
                                new com.fasterxml.jackson.databind.ObjectMapper()
                                        .writeValueAsString(new java.util.TreeMap<>(query)))
                        .setOutcome(ids.isEmpty() ? "NONE_FOUND" : "RETURNED")
                        .setLogSeq(1L)
                        .setPrevHash(AccessLogHasher.GENESIS)
                        .setHash("")
                        .build();
        e.setHash(new AccessLogHasher().hash(AccessLogHasher.GENESIS, e));
        LakeFiles.writeParquet(
                new Path(
                        lake.accessLog(),
                        "access_date="
                                + NOW.toString().substring(0, 10)
                                + "/"
                                + String.format("access-%020d-%s.parquet", 1, id)),
                List.of(e));
    }

    private static PrintStream out() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
