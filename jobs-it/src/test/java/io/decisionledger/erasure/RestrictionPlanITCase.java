package io.decisionledger.erasure;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rights.ErasurePlan;
import io.decisionledger.rights.ErasureReceipt;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.OpsDecisionRecord;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.Proves;
import io.decisionledger.testing.SmallFileLake;
import io.decisionledger.verify.VerifyReport;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A RESTRICT plan (GDPR Art. 18: records kept, but restricted) executed by the erasure job on the
 * MiniCluster: the subject's masked rows leave ops/, which BI tools read, while audit/ and
 * quarantine/ keep every byte; VerifyJob still reports CLEAN with every record, none counted as
 * erased; the receipt says the scope; running the plan again changes nothing.
 */
class RestrictionPlanITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir Path work;

    @Test
    @Proves({"GDPR-Art-18"})
    void aRestrictPlanTakesTheSubjectOutOfOpsAndLeavesTheAuditTrailAsItWas() throws Exception {
        // given a lake with a subject's decisions on several days
        Path lake = work.resolve("lake");
        String lakeUri = lake.toUri().toString();
        LakeLayout layout = LakeLayout.at(lakeUri);
        SmallFileLake.write(
                layout,
                400,
                List.of(
                        LocalDate.of(2026, 3, 1),
                        LocalDate.of(2026, 3, 2),
                        LocalDate.of(2026, 3, 3)),
                25,
                7,
                42);
        List<DecisionRecord> audit = read(layout.auditDecisions(), DecisionRecord.class);
        List<DecisionRecord> mine =
                audit.stream()
                        .collect(Collectors.groupingBy(r -> r.getTenantId() + "|" + r.getUserId()))
                        .values()
                        .stream()
                        .max((a, b) -> a.size() - b.size())
                        .orElseThrow();
        List<String> ids = mine.stream().map(DecisionRecord::getEventId).sorted().toList();
        String tenant = mine.get(0).getTenantId();
        assertThat(ids.size()).isGreaterThanOrEqualTo(2);
        List<OpsDecisionRecord> opsBefore = read(layout.opsDecisions(), OpsDecisionRecord.class);
        assertThat(opsBefore).extracting(OpsDecisionRecord::getEventId).containsAll(ids);
        Map<String, String> auditFiles = digests(layout.auditDecisions());
        Map<String, String> quarantineFiles = digests(layout.quarantine());
        assertThat(quarantineFiles).isNotEmpty();

        // when the erasure job executes the subject's RESTRICT plan
        Path planFile =
                lake.resolve("rights/plans/tenant_id=" + tenant + "/request_id=R-12/plan-1.json");
        Files.createDirectories(planFile.getParent());
        Files.write(
                planFile,
                new ErasurePlan(
                                "R-12",
                                1,
                                tenant,
                                ErasurePlan.SubjectType.USER,
                                mine.get(0).getUserId(),
                                ids,
                                "2026-12-05T06:00:00Z",
                                "rights-due",
                                ErasurePlan.Scope.RESTRICT)
                        .toJson());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ErasureRunner.Report report =
                ErasureSubject.erase(lakeUri, planFile.toUri().toString(), log);

        // then the subject's ops rows are gone, every other ops row is still there
        List<OpsDecisionRecord> opsAfter = read(layout.opsDecisions(), OpsDecisionRecord.class);
        assertThat(opsAfter).hasSize(opsBefore.size() - ids.size());
        assertThat(opsAfter)
                .extracting(OpsDecisionRecord::getEventId)
                .doesNotContainAnyElementsOf(ids)
                .containsExactlyInAnyOrderElementsOf(
                        opsBefore.stream()
                                .map(OpsDecisionRecord::getEventId)
                                .filter(id -> !ids.contains(id))
                                .toList());
        // audit and quarantine are byte for byte what they were
        assertThat(digests(layout.auditDecisions())).isEqualTo(auditFiles);
        assertThat(digests(layout.quarantine())).isEqualTo(quarantineFiles);
        // the receipt says what was done, under which scope
        ErasureReceipt receipt = report.receipt();
        assertThat(receipt.scope()).isEqualTo(ErasurePlan.Scope.RESTRICT);
        assertThat(receipt.recordsErased()).isEqualTo(ids.size());
        assertThat(receipt.fields()).containsExactly("ops.*");
        assertThat(receipt.files()).isNotEmpty().allMatch(f -> f.dataset().equals("ops"));
        assertThat(
                        Files.readString(
                                lake.resolve(
                                        "rights/receipts/tenant_id="
                                                + tenant
                                                + "/request_id=R-12/receipt-1.json")))
                .contains("\"scope\" : \"RESTRICT\"")
                .doesNotContain(mine.get(0).getUserId());
        assertThat(log.toString(StandardCharsets.UTF_8))
                .contains("RESTRICT: their ops rows only")
                .contains(ids.size() + " records removed from ops/ (audit intact)")
                .doesNotContain(mine.get(0).getUserId());
        assertThat(Files.exists(lake.resolve(ErasureRunner.STAGING + "/erasure-R-12-1"))).isFalse();

        // and every chain verifies, with every record and none counted as erased
        VerifyReport verified = ErasureSubject.verify(lakeUri, work.resolve("verify.json"), log);
        assertThat(verified.clean()).as(log.toString(StandardCharsets.UTF_8)).isTrue();
        assertThat(verified.records()).isEqualTo(audit.size());
        assertThat(verified.erasedByRequest()).isEmpty();

        // running the plan again changes nothing and returns the same receipt
        ErasureRunner.Report again =
                ErasureSubject.erase(lakeUri, planFile.toUri().toString(), log);
        assertThat(again.alreadyExecuted()).isTrue();
        assertThat(again.receiptSha256()).isEqualTo(report.receiptSha256());
        assertThat(again.summary()).startsWith("ALREADY EXECUTED: restriction (RESTRICT plan)");
        assertThat(read(layout.opsDecisions(), OpsDecisionRecord.class)).hasSameSizeAs(opsAfter);
    }

    private static <T extends SpecificRecordBase> List<T> read(
            org.apache.flink.core.fs.Path dir, Class<T> type) throws Exception {
        List<T> out = new ArrayList<>();
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            LakeFiles.forEachRecord(f, type, out::add);
        }
        return out;
    }

    private static Map<String, String> digests(org.apache.flink.core.fs.Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            out.put(f.getPath().toString(), PlanFile.sha256(f.getPath()));
        }
        return out;
    }
}
